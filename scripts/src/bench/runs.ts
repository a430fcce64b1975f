#!/usr/bin/env node
/**
 * `npm run bench:runs` (also part of `npm run bench`): the run pipeline end to end, with real processes — one
 * gateway and two workers against a scratch database and Redis prefix, the deterministic `local` provider, and
 * real WebSocket clients:
 *
 *   1. `message_accepted` latency at a steady rate (BENCH_RATE messages/s for BENCH_SECONDS, spread over many
 *      threads), measured from send to the accepted frame;
 *   2. throughput: after BENCH_WARMUP_RUNS unmeasured (default 3,000), BENCH_RUNS messages sent as fast as the
 *      sockets allow into BENCH_THREADS threads, runs/s until
 *      every run's agent_completed arrived; platform time per run from Postgres (started → finished, all of it
 *      platform since the local provider answers at once) and queue wait (accepted → started);
 *   3. CPU per run during the throughput phase, per process from /proc: the gateway, the workers, the PostgreSQL
 *      backends of the bench's database and the bench's own redis-server — what a run costs the machine, whatever
 *      else the machine is doing (unlike wall time).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { CpuWatch } from './cpu.js';
import { percentile, Scratch, runBenchmark, PIPELINE_ENV, type AppProcess } from './scratch.js';

const rate = Number(process.env.BENCH_RATE ?? 200);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const runs = Number(process.env.BENCH_RUNS ?? 3_000);
const warmupRuns = Number(process.env.BENCH_WARMUP_RUNS ?? 3_000);
const threads = Number(process.env.BENCH_THREADS ?? 300);
const sockets = Number(process.env.BENCH_SOCKETS ?? 30);
const summary = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(s, 0.5).toFixed(1)} ms, p95 ${percentile(s, 0.95).toFixed(1)} ms, p99 ${percentile(s, 0.99).toFixed(1)} ms`;
};

interface Client {
  socket: WebSocket;
  onFrame: (frame: { type: string; clientMessageId?: string; runId?: string }) => void;
}

async function connect(url: string, token: string): Promise<Client> {
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  const client: Client = { socket, onFrame: () => undefined };
  socket.on('message', (data) => client.onFrame(JSON.parse(data.toString()) as { type: string }));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    const first = (data: WebSocket.RawData) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'connection_established') {
        socket.off('message', first);
        resolve();
      }
    };
    socket.on('message', first);
  });
  return client;
}

async function main(): Promise<void> {
  console.log(`Netra run benchmark — ${new Date().toISOString()} — ${os.cpus().length} cores, Node ${process.version}`);
  const scratch = await Scratch.create({ ownRedis: true });
  const { db } = scratch;
  try {
    const gateway = await scratch.start('gateway', PIPELINE_ENV);
    const workers: AppProcess[] = [];
    for (let i = 0; i < 2; i += 1) workers.push(await scratch.start('worker', { ...PIPELINE_ENV, WORKER_CONCURRENCY: '32' }));
    const http = `http://127.0.0.1:${String(gateway.ready.port)}`;
    const token = ((await (await fetch(`${http}/api/v1/auth/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'bench' }) })).json()) as { token: string }).token;
    const threadIds: string[] = [];
    for (let i = 0; i < threads; i += 1) {
      const res = await fetch(`${http}/api/v1/threads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      threadIds.push(((await res.json()) as { id: string }).id);
    }
    const clients = await Promise.all(Array.from({ length: sockets }, () => connect(`ws://127.0.0.1:${String(gateway.ready.port)}/ws`, token)));

    // 1. accept latency at a steady rate
    const sentAt = new Map<string, number>();
    const acceptMs: number[] = [];
    const completed = new Set<string>();
    for (const c of clients) {
      c.onFrame = (f) => {
        if (f.type === 'message_accepted' && f.clientMessageId) {
          const t = sentAt.get(f.clientMessageId);
          if (t !== undefined) acceptMs.push(performance.now() - t);
        } else if (f.type === 'agent_completed' && f.runId) {
          completed.add(f.runId);
        }
      };
    }
    const steady = rate * seconds;
    const began = performance.now();
    for (let i = 0; i < steady; i += 1) {
      const due = began + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const cmid = randomUUID();
      sentAt.set(cmid, performance.now());
      clients[i % sockets]!.socket.send(JSON.stringify({ type: 'user_message', threadId: threadIds[i % threads], text: 'How can we cut cost?', clientMessageId: cmid }));
    }
    while (acceptMs.length < steady && performance.now() - began < seconds * 1000 + 30_000) await new Promise((r) => setTimeout(r, 50));
    console.log(`message_accepted at ${rate} messages/s for ${seconds} s (${acceptMs.length} messages): ${summary(acceptMs)}`);
    while (completed.size < steady && performance.now() - began < seconds * 1000 + 120_000) await new Promise((r) => setTimeout(r, 100));

    // 2. throughput
    const burst = async (n: number): Promise<number> => {
      completed.clear();
      const start = performance.now();
      for (let i = 0; i < n; i += 1) {
        clients[i % sockets]!.socket.send(JSON.stringify({ type: 'user_message', threadId: threadIds[i % threads], text: 'How can we cut cost?', clientMessageId: randomUUID() }));
      }
      while (completed.size < n && performance.now() - start < 600_000) await new Promise((r) => setTimeout(r, 50));
      return (performance.now() - start) / 1000;
    };
    // A scratch database has no statistics yet: the pool's connections planned their prepared statements while
    // the tables were empty and keep those generic plans (sequential scans) until an ANALYZE invalidates them —
    // which autovacuum does in production long before tables hold thousands of rows. Measure that steady state.
    await db.$executeRaw`ANALYZE`;
    // A burst first, unmeasured: the steady rate above leaves the paths that only a full pipeline takes (batches
    // of dozens of checkpoints and appends) cold, and V8 still compiled ~110 functions per worker during a measured
    // burst right after it (~14 % of the workers' CPU samples) — a cost a long-running worker pays once.
    if (warmupRuns > 0) {
      const warm = await burst(warmupRuns);
      console.log(`warm-up: ${completed.size} runs in ${warm.toFixed(1)} s (not measured)`);
    }
    const dbName = new URL(scratch.databaseUrl).pathname.slice(1);
    const commits = async () =>
      Number((await db.$queryRaw<{ n: bigint }[]>`SELECT xact_commit AS n FROM pg_stat_database WHERE datname = ${dbName}`)[0]?.n ?? 0);
    const commitsBefore = await commits();
    const backends = await scratch.databaseBackends();
    const groups = {
      gateway: async () => [gateway.child.pid ?? -1],
      workers: async () => workers.map((w) => w.child.pid ?? -1),
      // Backends opened during the burst count whole (they did nothing before it); one closed during it keeps its
      // last reading (CpuWatch).
      postgres: async () => [...new Set([...backends, ...(await scratch.databaseBackends())])],
      redis: async () => [scratch.redisPid ?? -1],
    };
    // Redis commands per run, from the bench's own redis-server (every call counts: BullMQ's scripts, event
    // appends, locks, rate limits).
    const redisCalls = async (): Promise<Map<string, number>> => {
      const probe = new Redis(scratch.redisUrl, { maxRetriesPerRequest: 1 });
      try {
        const info = await probe.info('commandstats');
        return new Map([...info.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)].map((m) => [m[1] ?? '', Number(m[2])]));
      } finally {
        probe.disconnect();
      }
    };
    const redisCallsBefore = await redisCalls();
    const cpu = new CpuWatch(groups);
    await cpu.start();
    const burstSeconds = await burst(runs);
    const spent = await cpu.stop();
    const perRun = Object.fromEntries(Object.keys(groups).map((g) => [g, (spent[g] ?? 0) / Math.max(1, completed.size)]));
    const cpuTotal = Object.values(perRun).reduce((sum, v) => sum + v, 0);
    console.log(
      `CPU per run (from /proc, throughput phase): ${cpuTotal.toFixed(2)} ms = gateway ${perRun.gateway?.toFixed(2)} + workers ${perRun.workers?.toFixed(2)} + PostgreSQL ${perRun.postgres?.toFixed(2)} (backends of this database: ${backends.length}) + Redis ${perRun.redis?.toFixed(2)}`,
    );
    console.log(`throughput: ${completed.size} runs in ${burstSeconds.toFixed(1)} s = ${(completed.size / burstSeconds).toFixed(0)} runs/s end to end (${threads} threads, 1 gateway, 2 workers × 32)`);
    // pg_stat_database is updated asynchronously by the backends; give it a moment.
    await new Promise((r) => setTimeout(r, 1_000));
    console.log(`database transactions per run (accept → answer): ${((await commits()) - commitsBefore) / runs}`);
    const redisAfter = await redisCalls();
    const perCommand = [...redisAfter].map(([name, n]) => [name, (n - (redisCallsBefore.get(name) ?? 0)) / runs] as const).sort((a, b) => b[1] - a[1]);
    const redisTotal = perCommand.reduce((sum, [, n]) => sum + n, 0);
    console.log(
      `Redis commands per run (accept → answer, a script counting one): ${redisTotal.toFixed(1)} — ${perCommand.slice(0, 8).map(([name, n]) => `${name} ${n.toFixed(1)}`).join(', ')}`,
    );

    const rows = await db.$queryRaw<{ platform_ms: number; wait_ms: number }[]>`
      SELECT extract(epoch FROM finished_at - started_at) * 1000 AS platform_ms,
             extract(epoch FROM started_at - created_at) * 1000 AS wait_ms
        FROM runs WHERE status = 'completed'`;
    console.log(`platform time per run (claim → answer, local provider): ${summary(rows.map((r) => Number(r.platform_ms)))}`);
    console.log(`queue wait per run (accepted → started; includes waiting for the thread's previous run): ${summary(rows.map((r) => Number(r.wait_ms)))}`);
    const sizes = await db.$queryRaw<{ agent: string; bytes: number }[]>`
      SELECT agent, avg(octet_length(output::text))::float8 AS bytes FROM run_steps GROUP BY agent ORDER BY agent`;
    console.log(`checkpoint size per agent (bytes): ${sizes.map((r) => `${r.agent} ${Math.round(r.bytes)}`).join(', ')}`);
    for (const c of clients) c.socket.close();
  } finally {
    await scratch.cleanup();
  }
}

runBenchmark(main);

#!/usr/bin/env node
/**
 * `npm run bench:cost` (also part of `npm run bench`): what one run costs as a workspace's usage grows. The same
 * pipeline as bench:runs — one gateway, two workers, the `local` provider, real WebSocket clients — run against
 * workspaces holding 0, 60 thousand, 1 million and 10 million usage events in the analysed window (the default
 * question's last 30 days), printing per completed run the CPU milliseconds of the gateway, the workers, every
 * PostgreSQL backend and Redis, read from /proc (CPU time, not wall time: the figure holds on a loaded machine),
 * and the wall time of one run on the idle stack.
 *
 * The events are generated inside PostgreSQL (INSERT … SELECT over generate_series: five apps on six models,
 * skewed prompt reuse, streaming and batch work, a team tag) and rolled up by the same rebuild queue a migration
 * uses (packages/usage rollups.ts), which is also how fast 10 million events load.
 *
 * BENCH_COST_SIZES (default 0,60000,1000000,10000000), BENCH_COST_RUNS runs per workspace (default 200).
 */
import os from 'node:os';
import WebSocket from 'ws';
import { randomUUID } from 'node:crypto';
import { drainRebuilds, DEFAULT_DIMENSIONS } from '@netra/usage';
import { CpuWatch, pidsNamed } from './cpu.js';
import { generateEvents as generate } from './generate.js';
import { percentile, Scratch, type AppProcess, runBenchmark, PIPELINE_ENV } from './scratch.js';

const sizes = (process.env.BENCH_COST_SIZES ?? '0,60000,1000000,10000000').split(',').map(Number);
const runsPerSize = Number(process.env.BENCH_COST_RUNS ?? 200);
const threadsPerSize = 20;
const DAY_MS = 86_400_000;
interface Workspace {
  size: number;
  userId: string;
  token: string;
}

async function post<T>(url: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function connect(url: string, token: string): Promise<WebSocket> {
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('message', () => resolve(socket));
  });
}

/** Sends `count` questions into `threads` and resolves with each run's send → agent_completed time. */
async function runBatch(socket: WebSocket, threads: string[], count: number, sequential: boolean): Promise<number[]> {
  const sentAt = new Map<string, number>();
  const runOf = new Map<string, string>();
  const done: number[] = [];
  let finish: () => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  let next: () => void = () => undefined;
  const onMessage = (data: WebSocket.RawData) => {
    const f = JSON.parse(data.toString()) as { type: string; clientMessageId?: string; runId?: string; error?: unknown };
    if (f.type === 'message_accepted' && f.clientMessageId && f.runId) runOf.set(f.runId, f.clientMessageId);
    else if (f.type === 'agent_completed' || f.type === 'agent_failed') {
      const cmid = f.runId ? runOf.get(f.runId) : undefined;
      if (cmid === undefined) return;
      if (f.type === 'agent_failed') return fail(new Error(`run failed: ${JSON.stringify(f.error)}`));
      done.push(performance.now() - (sentAt.get(cmid) ?? 0));
      if (done.length === count) finish();
      else if (sequential) next();
    }
  };
  socket.on('message', onMessage);
  let i = 0;
  const send = () => {
    const cmid = randomUUID();
    sentAt.set(cmid, performance.now());
    socket.send(JSON.stringify({ type: 'user_message', threadId: threads[i % threads.length], text: 'How can we cut our LLM cost?', clientMessageId: cmid }));
    i += 1;
  };
  if (sequential) {
    next = send;
    send();
  } else {
    for (let k = 0; k < count; k++) send();
  }
  await finished;
  socket.off('message', onMessage);
  return done;
}

async function main(): Promise<void> {
  console.log(`Netra run-cost benchmark — ${new Date().toISOString()} — ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}`);
  const scratch = await Scratch.create();
  const processes: AppProcess[] = [];
  try {
    const gateway = await scratch.start('gateway', PIPELINE_ENV);
    processes.push(gateway);
    const http = `http://127.0.0.1:${String(gateway.ready.port)}`;
    const now = Date.now();
    const tomorrow = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
    const from = tomorrow - 30 * DAY_MS;

    const workspaces: Workspace[] = [];
    for (const size of sizes) {
      const { token } = await post<{ token: string }>(`${http}/api/v1/auth/dev-token`, { userId: `cost-${size}` });
      // The user row appears with the first authenticated call.
      await fetch(`${http}/api/v1/threads?limit=1`, { headers: { authorization: `Bearer ${token}` } });
      const [user] = await scratch.db.$queryRaw<{ id: string }[]>`SELECT id::text FROM users WHERE subject = ${`cost-${size}`}`;
      if (!user) throw new Error('no user row');
      workspaces.push({ size, userId: user.id, token });
      if (size === 0) continue;
      let t = performance.now();
      await generate(scratch, user.id, size, from, now);
      const loadSeconds = (performance.now() - t) / 1000;
      t = performance.now();
      await scratch.db.$executeRaw`
        INSERT INTO usage_rollup_rebuilds (user_id, day)
        SELECT DISTINCT ${user.id}::uuid, (ts AT TIME ZONE 'UTC')::date FROM usage_events WHERE user_id = ${user.id}::uuid
        ON CONFLICT DO NOTHING`;
      const days = await drainRebuilds(scratch.db, DEFAULT_DIMENSIONS);
      const rollSeconds = (performance.now() - t) / 1000;
      console.log(`workspace of ${size.toLocaleString('en-US')} events: generated in PostgreSQL in ${loadSeconds.toFixed(1)} s (${Math.round(size / loadSeconds).toLocaleString('en-US')}/s), ${days} days rolled up in ${rollSeconds.toFixed(1)} s (${Math.round(size / rollSeconds).toLocaleString('en-US')} events/s)`);
    }
    await scratch.db.$executeRaw`VACUUM ANALYZE`;

    const workers: AppProcess[] = [];
    for (let i = 0; i < 2; i += 1) workers.push(await scratch.start('worker', { ...PIPELINE_ENV, WORKER_CONCURRENCY: '16' }));
    processes.push(...workers);
    const groups = {
      gateway: async () => [gateway.child.pid ?? -1],
      workers: async () => workers.map((w) => w.child.pid ?? -1),
      postgres: () => pidsNamed('postgres'),
      redis: () => pidsNamed('redis-server'),
    };

    const rows: { size: number; perRun: Record<string, number>; total: number; wallMs: number; requests: number }[] = [];
    for (const ws of workspaces) {
      const threads: string[] = [];
      for (let i = 0; i < threadsPerSize; i++) threads.push((await post<{ id: string }>(`${http}/api/v1/threads`, {}, ws.token)).id);
      const socket = await connect(`ws://127.0.0.1:${String(gateway.ready.port)}/ws`, ws.token);
      await runBatch(socket, threads, 20, false); // warm-up: prepared statements, JIT, caches
      const watch = new CpuWatch(groups);
      await watch.start();
      await runBatch(socket, threads, runsPerSize, false);
      const spent = await watch.stop();
      const perRun: Record<string, number> = {};
      for (const g of Object.keys(groups)) perRun[g] = (spent[g] ?? 0) / runsPerSize;
      const total = Object.values(perRun).reduce((s, v) => s + v, 0);
      await new Promise((r) => setTimeout(r, 500));
      const wall = (await runBatch(socket, threads, 11, true)).slice(1).sort((a, b) => a - b);
      socket.close();
      const [report] = await scratch.db.$queryRaw<{ requests: number }[]>`
        SELECT (r.report->'currentState'->>'requests')::int AS requests FROM runs r JOIN threads t ON t.id = r.thread_id
         WHERE t.user_id = ${ws.userId}::uuid AND r.status = 'completed' ORDER BY r.finished_at DESC LIMIT 1`;
      rows.push({ size: ws.size, perRun, total, wallMs: percentile(wall, 0.5), requests: report?.requests ?? -1 });
      const last = rows[rows.length - 1]!;
      console.log(
        `${ws.size.toLocaleString('en-US').padStart(10)} events (report: ${last.requests.toLocaleString('en-US')} requests): CPU per run ${total.toFixed(1)} ms = gateway ${perRun.gateway?.toFixed(1)} + workers ${perRun.workers?.toFixed(1)} + PostgreSQL ${perRun.postgres?.toFixed(1)} + Redis ${perRun.redis?.toFixed(1)}; one run on the idle stack ${last.wallMs.toFixed(0)} ms wall (median of 10)`,
      );
    }
    const base = rows.find((r) => r.size === 0);
    if (base) for (const r of rows) console.log(`  ${r.size.toLocaleString('en-US').padStart(10)} events: ${(r.total / base.total).toFixed(2)}× the CPU per run with no data`);
  } finally {
    await scratch.cleanup();
  }
}

runBenchmark(main);

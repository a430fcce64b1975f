#!/usr/bin/env node
/**
 * `npm run bench:sockets`: the gateway's socket layer against bare baselines, measured side by side in one run on
 * a scratch database and Redis prefix (see socket-baselines.ts for the baselines):
 *
 *   1. idle: BENCH_IDLE_SOCKETS (19,000) authenticated sockets held for BENCH_HOLD_SECONDS with a heartbeat every
 *      BENCH_HEARTBEAT_MS — RSS per socket and event-loop delay p99/max while holding them, vs a bare `ws` server;
 *   2. ping RTT: `ping` → `pong`, sequential per socket on 10 sockets, from a forked client (ping-client.ts), in
 *      rounds alternating the gateway, a gateway without the per-user budget, bare `ws` and a second bare `ws`
 *      (the control: what noise alone does to a ratio in this run); servers and client pinned to their own CPUs;
 *   3. accept: `user_message` → `message_accepted` at 50 and 200 messages/s with only the gateway running, vs a bare
 *      `ws` server doing one raw `pg` insert and one BullMQ add;
 *   4. fan-out: 1,000 sockets following one thread across 2 gateways, events published to the thread's log (as a
 *      worker does), vs Socket.IO + @socket.io/redis-adapter across 2 processes (1,000 sockets in one room).
 *
 * Every number is printed with its ratio to the baseline. BENCH_PARTS picks the parts and their order (default
 * ping,idle,accept,fanout: see main).
 * The open-file limit bounds the idle part (the bench holds every client socket): run through the npm script,
 * which raises the soft limit to the hard one.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { io as ioClient, type Socket as IoSocket } from 'socket.io-client';
import { createRedis, RedisNames, RunEventLog, waitForRedis } from '@netra/bus';
import { cpuMs } from './cpu.js';
import { exchange, openSocket } from './ws-client.js';
import { percentile, pin, PIPELINE_ENV, traceLine, runBenchmark, Scratch, type AppProcess } from './scratch.js';

const IDLE_SOCKETS = Number(process.env.BENCH_IDLE_SOCKETS ?? 19_000);
const HOLD_SECONDS = Number(process.env.BENCH_HOLD_SECONDS ?? 25);
const HEARTBEAT_MS = Number(process.env.BENCH_HEARTBEAT_MS ?? 10_000);
/**
 * Measured pings per server. With 4,000 (until the fourth session of 2026-12-04) the p99 was the 40 slowest round
 * trips: 3–4 pauses of any process on the machine (the bench's own scavenges among them) set it alone.
 */
const PINGS = Number(process.env.BENCH_PINGS ?? 20_000);
/**
 * Pings per server before measuring. With 500, 65–92 % of the slowest 1 % of round trips fell in each server's
 * first round, the bare server's as much as the gateways' (JIT, the young generation still growing).
 */
const PING_WARMUP = Number(process.env.BENCH_PING_WARMUP ?? 3_000);
/**
 * Alternating rounds per server. With 4 rounds of ~1 s, one burst of another process on the machine landed in one
 * server's round and set that server's p99 alone; short rounds spread such bursts over all three.
 */
const PING_ROUNDS = Number(process.env.BENCH_PING_ROUNDS ?? 20);
const ACCEPT_SECONDS = Number(process.env.BENCH_ACCEPT_SECONDS ?? 10);
const FANOUT_SOCKETS = Number(process.env.BENCH_FANOUT_SOCKETS ?? 1_000);
const FANOUT_EVENTS = Number(process.env.BENCH_FANOUT_EVENTS ?? 150);
const FANOUT_RATE = Number(process.env.BENCH_FANOUT_RATE ?? 10);
/**
 * BENCH_TRACE_DIR=<folder>: every measured ping (server, send time in epoch ms, round trip) into
 * <folder>/pings.json, next to the servers' non-log stdout lines (see traceLine in scratch.ts), to line up the
 * slowest round trips with what each process was doing.
 */
const TRACE_DIR = process.env.BENCH_TRACE_DIR;
/**
 * The ping part's placement: the servers on the last CPU, the ping client on the first (BENCH_PING_PIN=0: wherever
 * the kernel puts them). Unpinned on 2 cores, a round's median round trip was either ~100 or ~200 µs depending on
 * where the kernel had put the client and the server at that moment, and two identical bare servers measured in
 * the same run differed by up to 1.38× at p50 and 1.3× at p99 (2026-12-04, fifth session); pinned, the second
 * stayed within 0.83–1.18× of the first at p99 in 20 of 22 runs.
 */
const PING_PIN = process.env.BENCH_PING_PIN !== '0' && os.cpus().length >= 2;
const PARTS = new Set((process.env.BENCH_PARTS ?? 'ping,idle,accept,fanout').split(','));
/** Sockets per user: the gateway's per-user cap is at most 1,000. */
const SOCKETS_PER_USER = 950;

const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Stats {
  p50: number;
  p99: number;
}
function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  return { p50: percentile(s, 0.5), p99: percentile(s, 0.99) };
}
/** `push(...values)` overflows the stack with 100,000s of values. */
function append(to: number[], values: number[]): void {
  for (const v of values) to.push(v);
}
const ms = (v: number) => `${v.toFixed(2)} ms`;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

/** The results, printed together at the end as the table docs/BENCHMARKS.md records. */
const results: { what: string; netra: string; baseline: string; ratio: string; target: string; met: string }[] = [];
function record(what: string, netra: number, baseline: number, unit: (v: number) => string, target?: { max: number; of: 'ratio' | 'value' }): void {
  const r = baseline > 0 ? netra / baseline : Number.NaN;
  const met = target === undefined ? '' : (target.of === 'ratio' ? r : netra) <= target.max ? 'yes' : 'no';
  const targetText = target === undefined ? '' : target.of === 'ratio' ? `≤ ${target.max}×` : `≤ ${unit(target.max)}`;
  results.push({ what, netra: unit(netra), baseline: unit(baseline), ratio: ratio(netra, baseline), target: targetText, met });
  console.log(`  ${what}: netra ${unit(netra)}, baseline ${unit(baseline)} → ${ratio(netra, baseline)}${targetText ? ` (target ${targetText}: ${met})` : ''}`);
}

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

function openFileLimit(): string {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return line?.replace(/\s+/g, ' ').trim() ?? 'unknown';
}

// ---- child processes ---------------------------------------------------------------------------------------

interface Child {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

async function startBaseline(role: 'bare' | 'socketio', scratch: Scratch): Promise<Child> {
  // The gateway's BENCH_NODE_FLAGS too (e.g. --perf-basic-prof), so both sides can be profiled alike.
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, path.join(here, 'socket-baselines.js'), role], {
    env: {
      PATH: process.env.PATH ?? '',
      BENCH_DATABASE_URL: scratch.databaseUrl,
      BENCH_REDIS_URL: scratch.redisUrl,
      BENCH_PREFIX: scratch.prefix,
      BENCH_HEARTBEAT_MS: String(HEARTBEAT_MS),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start within 30 s`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${role} exited (${code})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      traceLine(role, child.pid, line);
      if (!line.startsWith('{"ready"')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return {
    child,
    port,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A process's event-loop delay since the previous call (p99, max; seconds), and its RSS. */
type LagProbe = () => Promise<{ p99: number; max: number }>;

function gatewayLag(port: number): LagProbe {
  return async () => {
    // prom-client's event-loop metrics come from monitorEventLoopDelay (10 ms resolution), reset on every scrape.
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { p99: value('netra_nodejs_eventloop_lag_p99_seconds'), max: value('netra_nodejs_eventloop_lag_max_seconds') };
  };
}

function baselineLag(port: number): LagProbe {
  return async () => {
    const body = (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as { lagP99Seconds: number; lagMaxSeconds: number };
    return { p99: body.lagP99Seconds, max: body.lagMaxSeconds };
  };
}

// ---- clients -------------------------------------------------------------------------------------------------

/** Opens `count` sockets, `concurrency` upgrades at a time. */
async function openMany(count: number, open: (i: number) => Promise<WebSocket>, concurrency = 200): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      sockets.push(await open(i));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return sockets;
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.readyState === WebSocket.CLOSED) return resolve();
          s.once('close', () => resolve());
          s.terminate();
        }),
    ),
  );
}

async function devToken(httpUrl: string, userId: string): Promise<string> {
  const res = await fetch(`${httpUrl}/api/v1/auth/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId }) });
  return ((await res.json()) as { token: string }).token;
}

async function createThread(httpUrl: string, token: string): Promise<string> {
  const res = await fetch(`${httpUrl}/api/v1/threads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
  return ((await res.json()) as { id: string }).id;
}

// ---- 1. idle sockets -----------------------------------------------------------------------------------------

async function idle(name: string, pid: number, lag: LagProbe, open: (i: number) => Promise<WebSocket>): Promise<{ perSocket: number; p99: number; max: number; cpuMsPerSecond: number }> {
  const before = rssBytes(pid);
  const started = performance.now();
  const sockets = await openMany(IDLE_SOCKETS, open);
  console.log(`  ${name}: ${sockets.length} sockets open in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await sleep(2_000);
  await lag(); // resets the window
  const cpuBefore = await cpuMs(pid);
  await sleep(HOLD_SECONDS * 1000);
  const window = await lag();
  const cpu = (await cpuMs(pid)) - cpuBefore;
  const after = rssBytes(pid);
  const stillOpen = sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
  await closeAll(sockets);
  const perSocket = (after - before) / IDLE_SOCKETS;
  console.log(
    `  ${name}: RSS ${(before / 2 ** 20).toFixed(0)} → ${(after / 2 ** 20).toFixed(0)} MiB = ${(perSocket / 1024).toFixed(2)} KiB/socket; ` +
      `event-loop delay over ${HOLD_SECONDS} s (heartbeat ${HEARTBEAT_MS} ms): p99 ${ms(window.p99 * 1000)}, max ${ms(window.max * 1000)}; ` +
      `CPU ${(cpu / HOLD_SECONDS).toFixed(0)} ms/s; ${stillOpen} still open`,
  );
  return { perSocket, p99: window.p99, max: window.max, cpuMsPerSecond: cpu / HOLD_SECONDS };
}

// ---- 2. ping RTT -----------------------------------------------------------------------------------------------

/**
 * The forked ping client (ping-client.ts): measured rounds run there, with no collection of the client's inside a
 * round, and none of this process's garbage.
 */
class PingClient {
  private readonly waiting: ((message: unknown) => void)[] = [];

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message) => this.waiting.shift()?.(message));
  }

  static async start(): Promise<PingClient> {
    // 64 MB semi-spaces: a round of 1,000 pings allocates a few MB, so the client never scavenges inside one
    // (see ping-client.ts for the flags).
    const child = fork(path.join(here, 'ping-client.js'), [], { execArgv: ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64', '--single-threaded-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return new PingClient(child);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  async open(server: string, url: string, sockets: number, token?: string): Promise<void> {
    await this.request({ cmd: 'open', server, url, sockets, ...(token ? { token } : {}) });
  }

  round(server: string, pings: number): Promise<{ sent: number[]; rtts: number[] }> {
    return this.request({ cmd: 'round', server, pings }) as Promise<{ sent: number[]; rtts: number[] }>;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    if (this.child.connected) this.child.send({ cmd: 'close' });
    else this.child.kill('SIGTERM');
    await exited;
  }

  private request(command: Record<string, unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`ping-client exited (${code})`));
      this.child.once('exit', onExit);
      this.waiting.push((message) => {
        this.child.off('exit', onExit);
        resolve(message);
      });
      this.child.send(command);
    });
  }
}

// ---- 3. accept latency ---------------------------------------------------------------------------------------

async function acceptAt(sockets: WebSocket[], threadIds: string[], rate: number): Promise<number[]> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const onMessage = (data: WebSocket.RawData) => {
    const frame = JSON.parse(data.toString()) as { type: string; clientMessageId?: string };
    if (frame.type !== 'message_accepted' || !frame.clientMessageId) return;
    const t = sentAt.get(frame.clientMessageId);
    if (t !== undefined) latencies.push(performance.now() - t);
  };
  for (const s of sockets) s.on('message', onMessage);
  const count = rate * ACCEPT_SECONDS;
  const began = performance.now();
  for (let i = 0; i < count; i += 1) {
    const wait = began + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const clientMessageId = randomUUID();
    sentAt.set(clientMessageId, performance.now());
    sockets[i % sockets.length]!.send(JSON.stringify({ type: 'user_message', threadId: threadIds[i % threadIds.length], text: 'How can we cut cost?', clientMessageId }));
  }
  while (latencies.length < count && performance.now() - began < ACCEPT_SECONDS * 1000 + 30_000) await sleep(20);
  for (const s of sockets) s.off('message', onMessage);
  if (latencies.length < count) console.log(`  (only ${latencies.length} of ${count} accepted)`);
  return latencies;
}

// ---- 4. fan-out ----------------------------------------------------------------------------------------------

/** Publishes FANOUT_EVENTS events at FANOUT_RATE; returns each delivery's latency once all arrived (or 30 s passed). */
async function fanOutRound(publish: (seq: number) => Promise<void>, received: Map<number, number[]>, sentAt: Map<number, number>, sockets: number): Promise<number[]> {
  received.clear();
  sentAt.clear();
  const began = performance.now();
  for (let seq = 0; seq < FANOUT_EVENTS; seq += 1) {
    const wait = began + (seq * 1000) / FANOUT_RATE - performance.now();
    if (wait > 0) await sleep(wait);
    sentAt.set(seq, performance.now());
    await publish(seq);
  }
  const expected = FANOUT_EVENTS * sockets;
  const count = () => [...received.values()].reduce((n, list) => n + list.length, 0);
  while (count() < expected && performance.now() - began < (FANOUT_EVENTS / FANOUT_RATE) * 1000 + 30_000) await sleep(20);
  if (count() < expected) console.log(`  (only ${count()} of ${expected} deliveries arrived)`);
  const all: number[] = [];
  for (const list of received.values()) append(all, list);
  return all;
}

const payload = (seq: number) => `${seq}:${'x'.repeat(160)}`;
const seqOf = (delta: string) => Number(delta.slice(0, delta.indexOf(':')));

async function main(): Promise<void> {
  const unknown = [...PARTS].filter((name) => !['ping', 'idle', 'accept', 'fanout'].includes(name));
  if (unknown.length > 0) throw new Error(`BENCH_PARTS: unknown part(s) ${unknown.join(', ')} (ping, idle, accept, fanout)`);
  console.log(`Netra sockets benchmark — ${new Date().toISOString()} — ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}`);
  console.log(`open-file limit: ${openFileLimit()}; load average at start: ${os.loadavg().map((l) => l.toFixed(1)).join(', ')}`);
  const scratch = await Scratch.create();
  const children: Child[] = [];
  const redis = createRedis(scratch.redisUrl, { role: 'durable' });
  try {
    await waitForRedis(redis);
    // RATE_LIMIT_LEASE from the environment reaches the gateways: e.g. 1000 (the default until 2026-12-04) to see
    // what a refill every 1,000 frames does to the ping tail.
    const lease = process.env.RATE_LIMIT_LEASE;
    const gatewayEnv = { ...PIPELINE_ENV, WS_HEARTBEAT_MS: String(HEARTBEAT_MS), ...(lease ? { RATE_LIMIT_LEASE: lease } : {}) };
    const gateway: AppProcess = await scratch.start('gateway', gatewayEnv);
    const gatewayPort = Number(gateway.ready.port);
    const httpUrl = `http://127.0.0.1:${gatewayPort}`;
    const wsUrl = `ws://127.0.0.1:${gatewayPort}/ws`;
    const bare = await startBaseline('bare', scratch);
    children.push(bare);
    const bareUrl = `ws://127.0.0.1:${bare.port}`;
    const gatewayPid = gateway.child.pid ?? 0;
    const barePid = bare.child.pid ?? 0;
    const users = Math.ceil(IDLE_SOCKETS / SOCKETS_PER_USER);
    const tokens = await Promise.all(Array.from({ length: users }, (_, i) => devToken(httpUrl, `bench-${i}`)));

    // Each part in the order BENCH_PARTS lists it. The default runs the ping part first: after the idle part the
    // gateway holds the garbage of 19,000 closed sockets (~190 MB), and V8's memory reducer collects it within the
    // next minute or so in three major collections whose incremental steps held the event loop up to 19 ms (traced,
    // 2026-12-04 fifth session). Whether they fell inside the ping part varied from run to run, and with them the
    // ping p99 (1.02–4.19× bare after the idle part): a measure of V8 cleaning up after a wave of disconnects, not of
    // the frame path. BENCH_PARTS=idle,ping measures that case.
    let part = 0;
    const parts: Record<string, () => Promise<void>> = {
      ping: async () => {
        console.log(`\n${part}. ping → pong round trip (${PINGS} per server after ${PING_WARMUP} not measured, 10 sockets, ${PING_ROUNDS} alternating rounds, from a forked client)`);
        // Diagnostic: a gateway without the per-user request budget (leased: a Redis call every RATE_LIMIT_LEASE
        // frames, taken in the background at half a block left).
        const unlimited = await scratch.start('gateway', { ...gatewayEnv, RATE_LIMIT_USER_REQUESTS: 'off' });
        const unlimitedUrl = `ws://127.0.0.1:${String(unlimited.ready.port)}/ws`;
        // Served an HTTP request like the first gateway (the dev tokens): the first request turns on the async
        // context (AsyncLocalStorage, i.e. async_hooks) for the rest of the process's life, which costs every frame
        // something. Without it this gateway ran without async hooks, a state no real gateway is in.
        await devToken(`http://127.0.0.1:${String(unlimited.ready.port)}`, 'bench-0');
        // The control: a second bare server, measured like the others. Two identical servers should be at 1.00×;
        // how far this one strays in a run is how far the machine's noise alone moves a ratio in that run.
        const control = await startBaseline('bare', scratch);
        children.push(control);
        const client = await PingClient.start();
        try {
          const servers = [
            { name: 'netra', pid: gatewayPid, url: wsUrl, token: tokens[0] },
            { name: 'off', pid: unlimited.child.pid ?? 0, url: unlimitedUrl, token: tokens[0] },
            { name: 'bare', pid: barePid, url: bareUrl },
            { name: 'control', pid: control.child.pid ?? 0, url: `ws://127.0.0.1:${control.port}` },
          ] as const;
          const rtts = new Map<string, number[]>(servers.map((s) => [s.name, []]));
          // Server CPU per ping from /proc: what each server spends on a frame, whatever the machine's load does to
          // the round trips.
          const cpu = new Map<string, number>(servers.map((s) => [s.name, 0]));
          const trace: [string, number, number][] = [];
          const last = String(os.cpus().length - 1);
          if (PING_PIN) {
            await pin(client.pid, '0');
            for (const s of servers) await pin(s.pid, last);
            console.log(`  pinned: the servers to CPU ${last}, the ping client to CPU 0 (BENCH_PING_PIN=0: unpinned)`);
          }
          for (const s of servers) await client.open(s.name, s.url, 10, 'token' in s ? s.token : undefined);
          for (const s of servers) await client.round(s.name, PING_WARMUP);
          for (let round = 0; round < PING_ROUNDS; round += 1) {
            for (const s of servers) {
              const before = await cpuMs(s.pid);
              const result = await client.round(s.name, PINGS / PING_ROUNDS);
              cpu.set(s.name, (cpu.get(s.name) ?? 0) + (await cpuMs(s.pid)) - before);
              append(rtts.get(s.name) ?? [], result.rtts);
              if (TRACE_DIR) result.rtts.forEach((rtt, i) => trace.push([s.name, result.sent[i] ?? 0, rtt]));
            }
          }
          if (TRACE_DIR) writeFileSync(path.join(TRACE_DIR, 'pings.json'), JSON.stringify({ pings: trace, pids: Object.fromEntries(servers.map((s) => [s.name, s.pid])) }));
          const n = stats(rtts.get('netra') ?? []);
          const u = stats(rtts.get('off') ?? []);
          const b = stats(rtts.get('bare') ?? []);
          const c = stats(rtts.get('control') ?? []);
          const us = (v: number) => `${v.toFixed(1)} µs`;
          const perPing = (name: string) => ((cpu.get(name) ?? 0) * 1000) / PINGS;
          record('ping: server CPU per ping', perPing('netra'), perPing('bare'), us);
          record('ping: server CPU per ping, RATE_LIMIT_USER_REQUESTS=off', perPing('off'), perPing('bare'), us);
          record('ping RTT p50', n.p50, b.p50, ms, { max: 1.2, of: 'ratio' });
          record('ping RTT p99', n.p99, b.p99, ms, { max: 1.2, of: 'ratio' });
          record('ping RTT p50, RATE_LIMIT_USER_REQUESTS=off', u.p50, b.p50, ms, { max: 1.2, of: 'ratio' });
          record('ping RTT p99, RATE_LIMIT_USER_REQUESTS=off', u.p99, b.p99, ms, { max: 1.2, of: 'ratio' });
          record('ping RTT p50, control (a second bare ws server)', c.p50, b.p50, ms);
          record('ping RTT p99, control (a second bare ws server)', c.p99, b.p99, ms);
        } finally {
          // The gateway and the bare server go on to the accept and fan-out parts, placed by the kernel again.
          if (PING_PIN) for (const pid of [gatewayPid, barePid]) await pin(pid, `0-${os.cpus().length - 1}`);
          await client.close();
          await unlimited.stop();
          await control.stop();
        }
      },
      idle: async () => {
        console.log(`\n${part}. ${IDLE_SOCKETS} idle sockets`);
        const netra = await idle('netra gateway', gatewayPid, gatewayLag(gatewayPort), (i) => openSocket(wsUrl, tokens[Math.floor(i / SOCKETS_PER_USER)]));
        await sleep(3_000);
        const base = await idle('bare ws', barePid, baselineLag(bare.port), () => openSocket(bareUrl));
        record('idle: RSS per socket', netra.perSocket / 1024, base.perSocket / 1024, (v) => `${v.toFixed(2)} KiB`);
        record('idle: event-loop delay p99', netra.p99 * 1000, base.p99 * 1000, ms, { max: 20, of: 'value' });
        record('idle: event-loop delay max', netra.max * 1000, base.max * 1000, ms);
        record('idle: CPU while holding', netra.cpuMsPerSecond, base.cpuMsPerSecond, (v) => `${v.toFixed(0)} ms/s`);
      },
      accept: async () => {
        console.log(`\n${part}. user_message → message_accepted, gateway alone (no workers), ${ACCEPT_SECONDS} s per rate`);
        const threadIds: string[] = [];
        for (let i = 0; i < 200; i += 1) threadIds.push(await createThread(httpUrl, tokens[0] ?? ''));
        const bareThreads = threadIds.map(() => randomUUID());
        const netraSockets = await openMany(20, () => openSocket(wsUrl, tokens[0]), 20);
        const bareSockets = await openMany(20, () => openSocket(bareUrl), 20);
        // Warm-up (connections, prepared statements, JIT), not recorded.
        await acceptAt(netraSockets, threadIds, 50);
        await acceptAt(bareSockets, bareThreads, 50);
        const lag = gatewayLag(gatewayPort);
        for (const rate of [50, 200]) {
          let cpu = await cpuMs(gatewayPid);
          await lag();
          const n = stats(await acceptAt(netraSockets, threadIds, rate));
          const netraCpu = (await cpuMs(gatewayPid)) - cpu;
          // A long accept is the gateway's own stall when its event loop was held that long (else it waited elsewhere).
          const { max } = await lag();
          console.log(`  gateway event-loop delay max during ${rate}/s: ${ms(max * 1000)}`);
          cpu = await cpuMs(barePid);
          const b = stats(await acceptAt(bareSockets, bareThreads, rate));
          const bareCpu = (await cpuMs(barePid)) - cpu;
          const count = rate * ACCEPT_SECONDS;
          record(`accept: server CPU per message at ${rate}/s`, netraCpu / count, bareCpu / count, ms);
          record(`accept p50 at ${rate}/s`, n.p50, b.p50, ms);
          record(`accept p99 at ${rate}/s`, n.p99, b.p99, ms, rate === 200 ? { max: 2, of: 'ratio' } : undefined);
        }
        await closeAll([...netraSockets, ...bareSockets]);
      },
      fanout: async () => {
        console.log(`\n${part}. fan-out: ${FANOUT_SOCKETS} sockets on one thread across 2 processes, ${FANOUT_EVENTS} events at ${FANOUT_RATE}/s`);
        const second = await scratch.start('gateway', gatewayEnv);
        const urls = [wsUrl, `ws://127.0.0.1:${String(second.ready.port)}/ws`];
        const threadId = await createThread(httpUrl, tokens[0] ?? '');
        const userId = (await scratch.db.user.findUniqueOrThrow({ where: { subject: 'bench-0' } })).id;
        const log = new RunEventLog(redis, new RedisNames(scratch.prefix));
        const runId = randomUUID();
        const received = new Map<number, number[]>();
        const sentAt = new Map<number, number>();
        const onDelivery = (seq: number) => {
          const t = sentAt.get(seq);
          if (t === undefined) return;
          let list = received.get(seq);
          if (!list) {
            list = [];
            received.set(seq, list);
          }
          list.push(performance.now() - t);
        };
        const perGateway = Math.ceil(FANOUT_SOCKETS / 2);
        const netraSockets = await openMany(FANOUT_SOCKETS, async (i) => {
          const socket = await openSocket(urls[i < perGateway ? 0 : 1] ?? wsUrl, tokens[0]);
          await exchange(socket, { type: 'subscribe', threadId }, 'subscribed');
          socket.on('message', (data) => {
            const frame = JSON.parse(data.toString()) as { type: string; delta?: string };
            if (frame.type === 'agent_token' && frame.delta) onDelivery(seqOf(frame.delta));
          });
          return socket;
        }, 50);

        const ioServers = [await startBaseline('socketio', scratch), await startBaseline('socketio', scratch)];
        children.push(...ioServers);
        const ioSockets: IoSocket[] = [];
        for (let i = 0; i < FANOUT_SOCKETS; i += 1) {
          const server = ioServers[i < perGateway ? 0 : 1]!;
          const socket = ioClient(`http://127.0.0.1:${server.port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
          await new Promise<void>((resolve, reject) => {
            socket.once('connect_error', reject);
            socket.once('connect', () => socket.emit('join', 'thread', () => resolve()));
          });
          socket.on('event', (message: string) => {
            const event = JSON.parse(message) as { delta: string };
            onDelivery(seqOf(event.delta));
          });
          ioSockets.push(socket);
        }
        const ioPublisher = ioClient(`http://127.0.0.1:${ioServers[0]!.port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
        await new Promise<void>((resolve) => ioPublisher.once('connect', () => resolve()));

        const netraPublish = async (seq: number) => {
          await log.publish(userId, { type: 'agent_token', runId, threadId, agent: 'data', delta: payload(seq) });
        };
        const ioPublish = async (seq: number) => {
          // The same JSON a gateway socket receives, emitted to the room on both servers.
          ioPublisher.emit('publish', 'thread', JSON.stringify({ eventId: String(seq).padStart(16, '0'), type: 'agent_token', runId, threadId, agent: 'data', delta: payload(seq), ts: new Date().toISOString() }));
        };
        const netra: number[] = [];
        const base: number[] = [];
        const cpu = { netra: 0, socketio: 0 };
        for (let round = 0; round < 2; round += 1) {
          let before = (await cpuMs(gatewayPid)) + (await cpuMs(second.child.pid ?? 0));
          append(netra, await fanOutRound(netraPublish, received, sentAt, FANOUT_SOCKETS));
          cpu.netra += (await cpuMs(gatewayPid)) + (await cpuMs(second.child.pid ?? 0)) - before;
          before = (await cpuMs(ioServers[0]!.child.pid ?? 0)) + (await cpuMs(ioServers[1]!.child.pid ?? 0));
          append(base, await fanOutRound(ioPublish, received, sentAt, FANOUT_SOCKETS));
          cpu.socketio += (await cpuMs(ioServers[0]!.child.pid ?? 0)) + (await cpuMs(ioServers[1]!.child.pid ?? 0)) - before;
        }
        const n = stats(netra);
        const b = stats(base);
        console.log(`  deliveries: netra ${netra.length}, socket.io ${base.length}`);
        record('fan-out p50', n.p50, b.p50, ms);
        record('fan-out p99', n.p99, b.p99, ms, { max: 0.8, of: 'ratio' });
        record('fan-out server CPU per 1,000 deliveries', (cpu.netra / netra.length) * 1000, (cpu.socketio / base.length) * 1000, (v) => `${v.toFixed(1)} ms`);
        ioPublisher.close();
        for (const s of ioSockets) s.close();
        await closeAll(netraSockets);
      },
    };
    for (const name of PARTS) {
      part += 1;
      await parts[name]?.();
    }

    console.log('\n| measure | netra | baseline | ratio | target | met |\n|---|---|---|---|---|---|');
    for (const r of results) console.log(`| ${r.what} | ${r.netra} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.met} |`);
  } finally {
    redis.disconnect();
    await Promise.allSettled(children.map((c) => c.stop()));
    await scratch.cleanup();
  }
}

runBenchmark(main);

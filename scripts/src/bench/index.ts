#!/usr/bin/env node
/**
 * `npm run bench`: Netra's benchmarks, printed as figures. Runs against a scratch database it creates and drops
 * and a real gateway process, on the machine's PostgreSQL and Redis:
 *
 *   1. synthetic ingestion of ~1,000,000 events (POST /usage-events/synthetic)
 *   2. GET /usage/summary over those 1,000,000 events (p50/p95 of repeated calls), next to the naive SQL it replaces
 *   3. a streamed JSONL import (POST /usage-events/import): events/s and the gateway's peak RSS
 *
 * Environment: BENCH_DATABASE_BASE_URL (default postgresql://postgres@127.0.0.1:5432), REDIS_URL, BENCH_DAYS
 * (100; 0 skips 1 and 2), BENCH_PER_DAY (10000), BENCH_IMPORT_EVENTS (300000; 0 skips 3).
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { Readable } from 'node:stream';
import { summarize } from '@netra/usage';
import { CpuWatch, pidsNamed } from './cpu.js';
import { percentile, Scratch } from './scratch.js';

const days = Number(process.env.BENCH_DAYS ?? 100);
const perDay = Number(process.env.BENCH_PER_DAY ?? 10_000);
const importEvents = Number(process.env.BENCH_IMPORT_EVENTS ?? 300_000);

interface Gateway {
  url: string;
  pid: number;
}

async function json<T>(url: string, method: string, token: string | undefined, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** JSONL lines generated on the fly (the bench never holds the file). */
function* jsonl(count: number): Generator<Buffer> {
  const start = Date.parse('2026-06-01T00:00:00.000Z');
  let chunk = '';
  for (let i = 1; i <= count; i++) {
    chunk += `${JSON.stringify({
      id: `imp-${i}`,
      timestamp: new Date(start + i * 500).toISOString(),
      app: ['chat', 'rag', 'agents', 'batch'][i % 4],
      model: ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5'][i % 3],
      promptTokens: 500 + (i % 2_000),
      completionTokens: 50 + (i % 400),
      latencyMs: 200 + ((i * 7919) % 6_000),
      status: i % 60 === 0 ? 'error' : 'ok',
      promptHash: (i % 20_000).toString(16).padStart(64, '0'),
    })}\n`;
    if (chunk.length >= 64 * 1024) {
      yield Buffer.from(chunk);
      chunk = '';
    }
  }
  if (chunk.length > 0) yield Buffer.from(chunk);
}

async function importRun(gateway: Gateway, token: string): Promise<{ events: number; seconds: number; bytes: number; peakRssMb: number; baseRssMb: number; cpu: Record<string, number> }> {
  const baseRssMb = await rssMb(gateway.pid);
  const groups = { gateway: async () => [gateway.pid], postgres: () => pidsNamed('postgres') };
  const watch = new CpuWatch(groups);
  await watch.start();
  let peak = baseRssMb;
  const sampler = setInterval(() => void rssMb(gateway.pid).then((mb) => (peak = Math.max(peak, mb))), 100);
  const started = performance.now();
  const result = await new Promise<{ accepted: number; bytes: number }>((resolve, reject) => {
    const req = http.request(`${gateway.url}/api/v1/usage-events/import`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text) as { accepted: number; bytes: number }) : reject(new Error(text))));
    });
    req.on('error', reject);
    Readable.from(jsonl(importEvents)).pipe(req);
  });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const spent = await watch.stop();
  const cpu = Object.fromEntries(Object.keys(groups).map((g) => [g, ((spent[g] ?? 0) / result.accepted) * 1000]));
  return { events: result.accepted, seconds, bytes: result.bytes, peakRssMb: peak, baseRssMb, cpu };
}

async function main(): Promise<void> {
  console.log(`Netra benchmarks — ${new Date().toISOString()} — ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  const scratch = await Scratch.create();
  const { db } = scratch;
  try {
    const app = await scratch.start('gateway');
    const gateway: Gateway = { url: `http://127.0.0.1:${String(app.ready.port)}`, pid: app.child.pid ?? -1 };
    const { token } = await json<{ token: string }>(`${gateway.url}/api/v1/auth/dev-token`, 'POST', undefined, { userId: 'bench' });

    if (days > 0) await ingestAndSummarize(gateway, token, db);
    if (importEvents > 0) {
      // 3. Streaming JSONL import.
      const imported = await importRun(gateway, token);
      console.log(
        `JSONL import: ${imported.events.toLocaleString('en-US')} events (${(imported.bytes / 1e6).toFixed(0)} MB) in ${imported.seconds.toFixed(1)} s = ${Math.round(imported.events / imported.seconds).toLocaleString('en-US')} events/s; gateway RSS ${imported.baseRssMb.toFixed(0)} → peak ${imported.peakRssMb.toFixed(0)} MB; CPU per event (/proc): gateway ${imported.cpu.gateway?.toFixed(1)} µs, PostgreSQL ${imported.cpu.postgres?.toFixed(1)} µs`,
      );
    }
  } finally {
    await scratch.cleanup();
  }
}

/** 1. ~1,000,000 synthetic events, then 2. the summary over them. */
async function ingestAndSummarize(gateway: Gateway, token: string, db: Scratch['db']): Promise<void> {
  let started = performance.now();
  const generated = await json<{ generated: number; accepted: number; window: { from: string; to: string } }>(
    `${gateway.url}/api/v1/usage-events/synthetic`,
    'POST',
    token,
    { days, requestsPerDay: perDay, seed: 1 },
  );
  const synthSeconds = (performance.now() - started) / 1000;
  console.log(`synthetic ingestion: ${generated.accepted.toLocaleString('en-US')} events in ${synthSeconds.toFixed(1)} s = ${Math.round(generated.accepted / synthSeconds).toLocaleString('en-US')} events/s (generate + validate-free insert + rollups)`);
  await db.$executeRaw`VACUUM ANALYZE usage_events`;
  await db.$executeRaw`VACUUM ANALYZE usage_rollups`;

  // 2. The summary over all of them, with ragged edges (whole days from rollups, the edges from events).
  const from = new Date(Date.parse(generated.window.from) + 3 * 3_600_000 + 17_000).toISOString();
  const to = new Date(Date.parse(generated.window.to) - 5 * 3_600_000).toISOString();
  const url = `${gateway.url}/api/v1/usage/summary?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  const times: number[] = [];
  let requests = 0;
  for (let i = 0; i < 25; i++) {
    started = performance.now();
    const summary = await json<{ totals: { requests: number } }>(url, 'GET', token);
    times.push(performance.now() - started);
    requests = summary.totals.requests;
  }
  const warm = times.slice(5).sort((a, b) => a - b);
  console.log(`usage summary over ${requests.toLocaleString('en-US')} events (by model, app, day, day×model, p50/p95/p99): p50 ${percentile(warm, 0.5).toFixed(0)} ms, p95 ${percentile(warm, 0.95).toFixed(0)} ms, first ${times[0]?.toFixed(0)} ms (HTTP, 20 warm calls)`);

  // The same summary in this process: wall time, and this process's CPU time (less sensitive to a busy machine).
  const [user] = await db.$queryRaw<{ id: string }[]>`SELECT id FROM users WHERE subject = 'bench'`;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 15; i++) {
    const c0 = process.cpuUsage();
    started = performance.now();
    await summarize(db, user?.id ?? '', { from: new Date(from), to: new Date(to) });
    wall.push(performance.now() - started);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  wall.splice(0, 5);
  cpu.splice(0, 5);
  console.log(`  in-process summarize(): p50 ${percentile(wall.sort((a, b) => a - b), 0.5).toFixed(0)} ms wall, ${percentile(cpu.sort((a, b) => a - b), 0.5).toFixed(0)} ms Node CPU`);

  started = performance.now();
  await db.$queryRaw`SELECT model, count(*), sum(cost_usd), percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)
                       FROM usage_events WHERE ts >= ${new Date(from)} AND ts < ${new Date(to)} GROUP BY model`;
  console.log(`  for comparison, exact SQL over the events for byModel alone: ${(performance.now() - started).toFixed(0)} ms`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

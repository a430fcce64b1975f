#!/usr/bin/env node
/**
 * `npm run bench:watch`: what a budget check costs, and what it would cost by scanning events. A workspace with N
 * usage events in the current month (generated in PostgreSQL like bench:cost, rolled up by the rebuild queue) and
 * five month budgets (all usage, one app, one model, one team, app × model), amounts high enough that nothing fires.
 * Per size it runs the evaluator the workers run after each ingest (`BudgetEvaluator.evaluateUser`, which reads
 * the daily rollups) BENCH_WATCH_CHECKS times, and — the baseline, in the same run — the same five spends summed
 * over `usage_events` (what "scanning events" means) BENCH_WATCH_SCANS times. Printed per check: CPU ms of this
 * Node process (process.cpuUsage) and of every PostgreSQL backend (/proc), and the wall time.
 *
 * BENCH_WATCH_SIZES (default 60000,1000000), BENCH_WATCH_CHECKS (200), BENCH_WATCH_SCANS (10).
 */
import os from 'node:os';
import { Redis } from 'ioredis';
import { NotificationPublisher, RedisNames } from '@netra/bus';
import { querySql, sql } from '@netra/db';
import { drainRebuilds, DEFAULT_DIMENSIONS } from '@netra/usage';
import { AlertRaiser, BudgetEvaluator, periodWindow } from '@netra/watch';
import { createWebhookQueue, WebhookDispatcher } from '@netra/webhooks';
import { CpuWatch, pidsNamed } from './cpu.js';
import { generateEvents } from './generate.js';
import { runBenchmark, Scratch } from './scratch.js';

const sizes = (process.env.BENCH_WATCH_SIZES ?? '60000,1000000').split(',').map(Number);
const checks = Number(process.env.BENCH_WATCH_CHECKS ?? 200);
const scans = Number(process.env.BENCH_WATCH_SCANS ?? 10);

const BUDGETS = [
  { name: 'all', scope: {} },
  { name: 'app', scope: { apps: ['support-chat'] } },
  { name: 'model', scope: { models: ['gpt-4o'] } },
  { name: 'team', scope: { dimensions: { team: ['search'] } } },
  { name: 'app-model', scope: { apps: ['docs-rag'], models: ['claude-sonnet-4-5'] } },
];

interface Cost {
  nodeMs: number;
  postgresMs: number;
  wallMs: number;
}

/** CPU of this process and of PostgreSQL, and wall time, per call of `work`, over `times` calls. */
async function measure(times: number, work: () => Promise<unknown>): Promise<Cost> {
  const postgres = { postgres: () => pidsNamed('postgres') };
  const pg = new CpuWatch(postgres);
  await pg.start();
  const node0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < times; i += 1) await work();
  const wall = performance.now() - wall0;
  const node = process.cpuUsage(node0);
  const spent = await pg.stop();
  return { nodeMs: (node.user + node.system) / 1000 / times, postgresMs: (spent.postgres ?? 0) / times, wallMs: wall / times };
}

async function main(): Promise<void> {
  const scratch = await Scratch.create();
  const redis = new Redis(scratch.redisUrl, { maxRetriesPerRequest: null });
  const names = new RedisNames(scratch.prefix);
  const queue = createWebhookQueue(redis, names);
  try {
    const evaluator = new BudgetEvaluator(scratch.db, new AlertRaiser(scratch.db, new NotificationPublisher(redis, names), new WebhookDispatcher(scratch.db, queue)));
    const now = Date.now();
    const month = periodWindow('month', new Date(now));
    console.log(`bench:watch on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString()}; month so far: ${month.startDay} .. now`);
    console.log('| events this month | rollup check: node | PostgreSQL | wall | event scan: node | PostgreSQL | wall | scan / check (PostgreSQL CPU) |');
    for (const size of sizes) {
      const user = await scratch.db.user.create({ data: { subject: `watch-${size}` } });
      await generateEvents(scratch, user.id, size, month.start.getTime(), now);
      await scratch.db.$executeRaw`INSERT INTO usage_rollup_rebuilds (user_id, day) SELECT DISTINCT user_id, (ts AT TIME ZONE 'UTC')::date FROM usage_events WHERE user_id = ${user.id}::uuid ON CONFLICT DO NOTHING`;
      await drainRebuilds(scratch.db, DEFAULT_DIMENSIONS);
      // Fresh statistics, so the baseline's scan gets its best plan.
      await scratch.db.$executeRaw`VACUUM ANALYZE`;
      for (const b of BUDGETS) {
        await scratch.db.budget.create({ data: { userId: user.id, name: b.name, amountUsd: 1e9, period: 'month', scope: b.scope, thresholds: [0.5, 0.8, 1] } });
      }
      const raised = await evaluator.evaluateUser(user.id);
      if (raised.length > 0) throw new Error('a budget fired: the amounts must be out of reach');
      const check = await measure(checks, () => evaluator.evaluateUser(user.id));
      const from = month.start;
      const scan = await measure(scans, async () => {
        for (const b of BUDGETS) {
          const scope = b.scope as { apps?: string[]; models?: string[]; dimensions?: Record<string, string[]> };
          const apps = scope.apps ?? null;
          const models = scope.models ?? null;
          const [key, values] = Object.entries(scope.dimensions ?? {})[0] ?? [null, null];
          await querySql(
            scratch.db,
            sql('bench_budget_scan')`
              SELECT sum(cost_usd)::float8 AS cost FROM usage_events
               WHERE user_id = ${user.id}::uuid AND ts >= ${from} AND ts < ${month.end}
                 AND (${apps}::text[] IS NULL OR app = ANY(${apps}::text[]))
                 AND (${models}::text[] IS NULL OR model = ANY(${models}::text[]))
                 AND (${key}::text IS NULL OR metadata->>${key}::text = ANY(${values}::text[]))`,
          );
        }
      });
      const f = (n: number) => n.toFixed(2);
      console.log(`| ${size.toLocaleString('en-US')} | ${f(check.nodeMs)} ms | ${f(check.postgresMs)} ms | ${f(check.wallMs)} ms | ${f(scan.nodeMs)} ms | ${f(scan.postgresMs)} ms | ${f(scan.wallMs)} ms | ${(scan.postgresMs / Math.max(check.postgresMs, 0.01)).toFixed(0)}× |`);
    }
  } finally {
    await queue.close();
    redis.disconnect();
    await scratch.cleanup();
  }
}

runBenchmark(main);

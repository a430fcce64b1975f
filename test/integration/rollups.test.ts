import type { UsageEventInput } from '@netra/contracts';
import { createPrismaClient, type Db } from '@netra/db';
import { CatalogService, UsageWriter, drainRebuilds, seededRandom, histogram, PROMPT_SET_CAP, sketchOf } from '@netra/usage';
import { tools } from '@netra/agents';

const { batchingPotential, cacheOpportunity, dimensionShares, peakLoad } = tools;
import { createTestEnv, type TestEnv } from '../support/services.js';

/**
 * Every figure the agents' tools read from the rollups equals (or is within the documented bound of) the same
 * figure from exact SQL over the raw events — on generated data with the edge cases: events spread over whole and
 * partial days, a dated model name, late events for an old day in a later batch, duplicates re-sent, concurrent
 * batches, workloads past the exact prompt-set cap (sketch) and under it (exact), metadata dimensions.
 */
let env: TestEnv;
let db: Db;
let userId: string;
const DIMENSIONS = ['team', 'feature'];
const DAY = 86_400_000;
const START = Date.parse('2026-09-01T00:00:00.000Z');
const WINDOW = { from: new Date(START), to: new Date(START + 6 * DAY) };


/** A 64-hex-digit hash of n, spread over the whole range like a sha256. */
function hashOf(n: number): string {
  let out = '';
  let x = (n + 1) * 2_654_435_761;
  while (out.length < 64) {
    x = (Math.imul(x ^ (x >>> 16), 0x45d9f3b) ^ (n * 31)) >>> 0;
    out += x.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

interface Workload {
  app: string;
  model: string;
  perDay: number;
  /** Prompts drawn from a pool of this size (small pool: many repeats; large: few). */
  pool: number;
  hashed: number;
  ttft: boolean;
  hours?: number[];
  batchTag?: boolean;
}

const WORKLOADS: Workload[] = [
  // Past PROMPT_SET_CAP distinct a day: the sketch answers.
  { app: 'support-chat', model: 'gpt-4o', perDay: 1_500, pool: 2_000, hashed: 0.9, ttft: true },
  // A dated model name (the catalog's gpt-4o-mini).
  { app: 'support-chat', model: 'gpt-4o-mini-2024-07-18', perDay: 300, pool: 60, hashed: 1, ttft: true },
  // Under the cap every day: exact.
  { app: 'docs-rag', model: 'claude-sonnet-4-5', perDay: 120, pool: 50, hashed: 0.5, ttft: true },
  { app: 'nightly', model: 'gpt-4o', perDay: 400, pool: 100_000, hashed: 1, ttft: false, hours: [1, 2, 3], batchTag: true },
];

function generate(): UsageEventInput[] {
  const random = seededRandom(42);
  const events: UsageEventInput[] = [];
  // Six whole days plus half a day before and after the window: edges mid-day.
  for (let d = -1; d <= 6; d++) {
    for (const [w, wl] of WORKLOADS.entries()) {
      const n = d === -1 || d === 6 ? Math.floor(wl.perDay / 2) : wl.perDay;
      for (let i = 0; i < n; i++) {
        const hour = wl.hours ? wl.hours[i % wl.hours.length]! : Math.floor(random() * 24);
        const offset = d === -1 ? 12 * 3_600_000 + random() * 12 * 3_600_000 : d === 6 ? random() * 12 * 3_600_000 : hour * 3_600_000 + random() * 3_600_000;
        const completion = Math.floor(20 + random() ** 2 * 2_000);
        const promptTokens = Math.floor(100 + random() * 4_000);
        const team = ['search', 'growth', 'core'][Math.floor(random() * 3)]!;
        const event: UsageEventInput = {
          id: `${w}-${d}-${i}`,
          timestamp: new Date(START + d * DAY + offset).toISOString(),
          app: wl.app,
          model: wl.model,
          promptTokens,
          completionTokens: completion,
          latencyMs: Math.floor(200 + completion * 8 * (0.5 + random())),
          status: random() < 0.03 ? 'error' : 'ok',
          costUsd: (promptTokens * 2.5 + completion * 10) / 1e6,
          ...(wl.ttft ? { ttftMs: Math.floor(100 + random() * 900) } : {}),
          ...(w === 0 && i % 3 === 0 ? { cachedPromptTokens: Math.floor(promptTokens / 2), qualityScore: 60 + (i % 40) } : {}),
          ...(random() < wl.hashed ? { promptHash: hashOf(w * 1_000_000 + Math.floor(random() ** 2 * wl.pool)) } : {}),
          metadata: { team, ...(random() < 0.5 ? { feature: `f${Math.floor(random() * 4)}` } : {}), ...(wl.batchTag ? { workload: 'batch' } : {}) },
        };
        events.push(event);
      }
    }
  }
  return events;
}

beforeAll(async () => {
  env = await createTestEnv('rollups');
  db = createPrismaClient({ databaseUrl: env.databaseUrl, poolSize: 6 });
  const user = await db.user.create({ data: { subject: 'rollup-tester' } });
  userId = user.id;
  const catalog = new CatalogService(db);
  await catalog.seed();
  const writer = new UsageWriter(db, catalog, { dimensions: DIMENSIONS });
  const events = generate();
  // Late events: the first day's second half arrives last, after everything else.
  const late = events.filter((e) => e.id.includes('-0-') && Number(e.id.split('-').pop()) % 2 === 1);
  const onTime = events.filter((e) => !late.includes(e));
  const batches: UsageEventInput[][] = [];
  for (let i = 0; i < onTime.length; i += 700) batches.push(onTime.slice(i, i + 700));
  // Concurrent batches of one user (what an import does: several in flight), then the late ones, then a re-send.
  for (let i = 0; i < batches.length; i += 3) await Promise.all(batches.slice(i, i + 3).map((b) => writer.write(userId, b)));
  await writer.write(userId, late);
  const again = await writer.write(userId, events.slice(0, 2_000));
  expect(again.inserted).toBe(0);
});

afterAll(async () => {
  await db?.$disconnect();
  await env?.cleanup();
});


describe('rollups against exact SQL over the events', () => {
  it('counts, tokens and cost per day, model and app are exact', async () => {
    const exact = await db.$queryRaw<{ day: string; model: string; app: string; requests: number; errors: number; pt: number; ct: number; cost: number; streamed: number; tagged: number; hashed: number; cached: number; qsum: number; qn: number }[]>`
      SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, model, app, count(*)::int AS requests,
             (count(*) FILTER (WHERE status = 'error'))::int AS errors, sum(prompt_tokens)::float8 AS pt, sum(completion_tokens)::float8 AS ct,
             sum(cost_usd)::float8 AS cost, count(ttft_ms)::int AS streamed, (count(*) FILTER (WHERE metadata->>'workload' = 'batch'))::int AS tagged,
             count(prompt_hash)::int AS hashed, coalesce(sum(cached_prompt_tokens), 0)::float8 AS cached,
             round(coalesce(sum(quality_score), 0)::numeric, 3)::float8 AS qsum, count(quality_score)::int AS qn
        FROM usage_events WHERE user_id = ${userId}::uuid GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
    const rolled = await db.$queryRaw<typeof exact>`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, model, app, requests, errors, prompt_tokens::float8 AS pt, completion_tokens::float8 AS ct,
             cost_usd AS cost, streamed, batch_tagged AS tagged, hashed, cached_prompt_tokens::float8 AS cached,
             round(quality_sum::numeric, 3)::float8 AS qsum, quality_n AS qn
        FROM usage_rollups WHERE user_id = ${userId}::uuid ORDER BY 1, 2, 3`;
    expect(rolled.length).toBe(exact.length);
    expect(exact.length).toBeGreaterThan(20);
    expect(exact.some((e) => e.cached > 0 && e.qn > 0)).toBe(true);
    for (const [i, e] of exact.entries()) {
      const r = rolled[i]!;
      expect({ ...r, cost: 0 }).toEqual({ ...e, cost: 0 });
      expect(r.cost).toBeCloseTo(e.cost, 9);
    }
  });

  it('hour-of-day counts are exact, and TTFT and token percentiles are within a bucket (4 %) of percentile_cont', async () => {
    const hours = await db.$queryRaw<{ app: string; hour: number; n: number }[]>`
      SELECT app, extract(hour FROM ts AT TIME ZONE 'UTC')::int AS hour, count(*)::int AS n FROM usage_events
       WHERE user_id = ${userId}::uuid GROUP BY 1, 2`;
    const rolledHours = await db.$queryRaw<{ app: string; hour_counts: number[] }[]>`SELECT app, hour_counts FROM usage_rollups WHERE user_id = ${userId}::uuid`;
    const sums = new Map<string, number[]>();
    for (const r of rolledHours) {
      const s = sums.get(r.app) ?? new Array<number>(24).fill(0);
      r.hour_counts.forEach((n, h) => (s[h]! += n));
      sums.set(r.app, s);
    }
    for (const h of hours) expect(sums.get(h.app)?.[h.hour]).toBe(h.n);

    const exact = await db.$queryRaw<{ app: string; model: string; ttft: number[] | null; prompt: number[]; completion: number[] }[]>`
      SELECT app, model,
             percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ttft_ms) AS ttft,
             percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY prompt_tokens) AS prompt,
             percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY completion_tokens) AS completion
        FROM usage_events WHERE user_id = ${userId}::uuid GROUP BY 1, 2`;
    const rolled = await db.$queryRaw<{ app: string; model: string; ttft: unknown[]; prompt: unknown[]; completion: unknown[] }[]>`
      SELECT app, model, json_agg(ttft_hist) AS ttft, json_agg(prompt_tokens_hist) AS prompt, json_agg(completion_tokens_hist) AS completion
        FROM usage_rollups WHERE user_id = ${userId}::uuid GROUP BY 1, 2`;
    let compared = 0;
    for (const e of exact) {
      const r = rolled.find((x) => x.app === e.app && x.model === e.model)!;
      for (const kind of ['ttft', 'prompt', 'completion'] as const) {
        const hist = new histogram.LatencyHistogram();
        hist.addStored(histogram.readHistogram(r[kind]));
        const percentiles = e[kind];
        if (percentiles === null) {
          expect(hist.quantile(0.5)).toBe(0);
          continue;
        }
        for (const [i, p] of [0.5, 0.95, 0.99].entries()) {
          const want = percentiles[i]!;
          expect(Math.abs(hist.quantile(p) - want)).toBeLessThanOrEqual(Math.max(1, want * 0.045));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(25);
  });

  it('the cache tool: exact repeats under the set cap, within 5 % of the distinct prompts past it', async () => {
    const exact = await db.$queryRaw<{ app: string; model: string; requests: number; repeats: number; distinct: number }[]>`
      SELECT app, model, count(*)::int AS requests, (count(prompt_hash) - count(DISTINCT prompt_hash))::int AS repeats,
             count(DISTINCT prompt_hash)::int AS distinct
        FROM usage_events WHERE user_id = ${userId}::uuid AND ts >= ${WINDOW.from} AND ts < ${WINDOW.to}
       GROUP BY 1, 2`;
    const tool = await cacheOpportunity(db, userId, WINDOW);
    expect(tool.byWorkload.length).toBe(exact.length);
    let sawExact = false;
    let sawSketch = false;
    for (const e of exact) {
      const w = tool.byWorkload.find((x) => x.app === e.app && x.model === e.model)!;
      expect(w.requests).toBe(e.requests);
      if (w.exact) {
        sawExact = true;
        expect(w.repeats).toBe(e.repeats);
      } else {
        sawSketch = true;
        expect(Math.abs(w.repeats - e.repeats)).toBeLessThanOrEqual(Math.ceil(e.distinct * 0.05));
      }
    }
    expect(sawExact && sawSketch).toBe(true);
    expect(PROMPT_SET_CAP).toBe(128);
  });

  it('the sketch stored by ingestion has the bits sketchOf sets for the row\'s hashes (the rebuild test then proves SQL sets the same)', async () => {
    const [row] = await db.$queryRaw<{ day: string; model: string; app: string; sketch: string; hashes: string[] }[]>`
      SELECT to_char(r.day, 'YYYY-MM-DD') AS day, r.model, r.app, r.prompt_sketch::text AS sketch,
             (SELECT array_agg(DISTINCT e.prompt_hash) FROM usage_events e
               WHERE e.user_id = r.user_id AND e.model = r.model AND e.app = r.app AND e.prompt_hash IS NOT NULL
                 AND (e.ts AT TIME ZONE 'UTC')::date = r.day) AS hashes
        FROM usage_rollups r WHERE r.user_id = ${userId}::uuid AND r.prompt_set IS NULL ORDER BY r.day LIMIT 1`;
    expect(row!.hashes.length).toBeGreaterThan(PROMPT_SET_CAP);
    expect(row!.sketch).toBe(sketchOf(row!.hashes));
  });

  it('the batching tool equals the SQL it replaced', async () => {
    const exact = await db.$queryRaw<{ app: string; requests: number; cost: number; top3: number; tagged: number; streamed: number }[]>`
      WITH hours AS (
        SELECT app, extract(hour FROM ts AT TIME ZONE 'UTC') AS h, count(*) AS n, sum(cost_usd) AS cost,
               count(*) FILTER (WHERE metadata->>'workload' = 'batch') AS tagged, count(ttft_ms) AS streamed
          FROM usage_events WHERE user_id = ${userId}::uuid AND ts >= ${WINDOW.from} AND ts < ${WINDOW.to}
         GROUP BY app, h
      ), ranked AS (SELECT *, row_number() OVER (PARTITION BY app ORDER BY n DESC, h) AS r FROM hours)
      SELECT app, sum(n)::int AS requests, sum(cost)::float8 AS cost, (sum(n) FILTER (WHERE r <= 3))::int AS top3,
             sum(tagged)::int AS tagged, sum(streamed)::int AS streamed
        FROM ranked GROUP BY app`;
    const tool = await batchingPotential(db, userId, WINDOW);
    expect(tool.map((t) => t.app).sort()).toEqual(exact.map((e) => e.app).sort());
    for (const e of exact) {
      const t = tool.find((x) => x.app === e.app)!;
      expect(t.requests).toBe(e.requests);
      expect(t.costUsd).toBeCloseTo(e.cost, 9);
      expect(t.peakHoursShare).toBeCloseTo(e.top3 / e.requests, 12);
      expect(t.taggedBatchShare).toBeCloseTo(e.tagged / e.requests, 12);
    }
    expect(tool.find((t) => t.app === 'nightly')?.eligible).toBe(true);
    expect(tool.find((t) => t.app === 'support-chat')?.eligible).toBe(false);
  });

  it('the peak-load tool equals the busiest minute by SQL, late events included', async () => {
    const exact = await db.$queryRaw<{ model: string; rpm: number; tpm: number }[]>`
      WITH minutes AS (
        SELECT model, date_trunc('minute', ts) AS m, count(*) AS n, sum(prompt_tokens + completion_tokens) AS tokens
          FROM usage_events WHERE user_id = ${userId}::uuid AND ts >= ${WINDOW.from} AND ts < ${WINDOW.to}
         GROUP BY model, m
      ) SELECT model, max(n)::int AS rpm, max(tokens)::float8 AS tpm FROM minutes GROUP BY model ORDER BY model`;
    const tool = await peakLoad(db, userId, WINDOW);
    expect(tool).toEqual(exact.map((e) => ({ model: e.model, peakRpm: e.rpm, peakTpm: e.tpm })));
  });

  it('a metadata dimension ("cost by team") equals SQL, and events without the key are in no value', async () => {
    const exact = await db.$queryRaw<{ value: string; requests: number; cost: number }[]>`
      SELECT metadata->>'feature' AS value, count(*)::int AS requests, sum(cost_usd)::float8 AS cost FROM usage_events
       WHERE user_id = ${userId}::uuid AND ts >= ${WINDOW.from} AND ts < ${WINDOW.to} AND metadata ? 'feature'
       GROUP BY 1 ORDER BY 3 DESC`;
    const [total] = await db.$queryRaw<{ cost: number }[]>`
      SELECT sum(cost_usd)::float8 AS cost FROM usage_events WHERE user_id = ${userId}::uuid AND ts >= ${WINDOW.from} AND ts < ${WINDOW.to}`;
    const shares = await dimensionShares(db, userId, WINDOW, total!.cost, undefined, 50);
    const feature = shares.find((d) => d.key === 'feature')!;
    expect(feature.values.map((t) => [t.value, t.requests])).toEqual(exact.map((e) => [e.value, e.requests]));
    for (const [i, e] of exact.entries()) {
      expect(feature.values[i]!.costUsd).toBeCloseTo(e.cost, 9);
      expect(feature.values[i]!.share).toBeCloseTo(e.cost / total!.cost, 9);
    }
    expect(feature.taggedCostUsd).toBeCloseTo(exact.reduce((s, e) => s + e.cost, 0), 9);
    const nightlyTeams = await dimensionShares(db, userId, WINDOW, total!.cost, { apps: ['nightly'], models: null, excludeApps: [], dimension: null }, 50);
    const [nightly] = await db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM usage_events WHERE user_id = ${userId}::uuid AND app = 'nightly' AND ts >= ${WINDOW.from} AND ts < ${WINDOW.to}`;
    expect(nightlyTeams.find((d) => d.key === 'team')!.values.reduce((s, t) => s + t.requests, 0)).toBe(nightly!.n);
    // USAGE_DIMENSIONS here is team and feature: no "user" key was rolled up.
    expect(shares.map((d) => d.key).sort()).toEqual(['feature', 'team']);
  });

  it('rolls existing events up again from a queue, resumably, to the same state', async () => {
    const snapshot = () => db.$queryRaw<Record<string, unknown>[]>`
      SELECT day::text, model, app, requests, errors, prompt_tokens::text, completion_tokens::text, round(cost_usd::numeric, 9)::text AS cost,
             latency_hist, ttft_hist, prompt_tokens_hist, completion_tokens_hist, hour_counts, batch_tagged, hashed,
             round(hashed_cost_usd::numeric, 9)::text AS hashed_cost, prompt_set::text, prompt_sketch::text
        FROM usage_rollups WHERE user_id = ${userId}::uuid ORDER BY 1, 2, 3`;
    const others = () => db.$queryRaw<{ dims: string; peaks: string; minutes: string }[]>`
      SELECT (SELECT string_agg(concat_ws('|', day, key, value, model, app, requests, errors, round(cost_usd::numeric, 9), latency_hist), ',' ORDER BY day, key, value, model, app)
                FROM usage_dimension_rollups WHERE user_id = ${userId}::uuid) AS dims,
             (SELECT string_agg(concat_ws('|', day, model, peak_rpm, peak_tpm), ',' ORDER BY day, model) FROM usage_peaks WHERE user_id = ${userId}::uuid) AS peaks,
             (SELECT string_agg(concat_ws('|', model, hour, requests, tokens), ',' ORDER BY model, hour) FROM usage_minutes WHERE user_id = ${userId}::uuid) AS minutes`;
    const before = await snapshot();
    const beforeOthers = await others();
    // What the migration does for a workspace imported before the rollups existed: queue every day with events.
    // Here the old rollups are also wiped, to prove the rebuild writes everything itself.
    await db.$executeRaw`DELETE FROM usage_rollups WHERE user_id = ${userId}::uuid`;
    await db.$executeRaw`DELETE FROM usage_dimension_rollups WHERE user_id = ${userId}::uuid`;
    await db.$executeRaw`DELETE FROM usage_peaks WHERE user_id = ${userId}::uuid`;
    await db.$executeRaw`UPDATE usage_minutes SET requests = '{}' WHERE user_id = ${userId}::uuid`;
    const [queued] = await db.$queryRaw<{ n: number }[]>`
      WITH q AS (INSERT INTO usage_rollup_rebuilds (user_id, day) SELECT DISTINCT user_id, (ts AT TIME ZONE 'UTC')::date FROM usage_events RETURNING 1)
      SELECT count(*)::int AS n FROM q`;
    expect(queued!.n).toBe(8);
    // Stopped after two days (a crash or a shutdown), then resumed by two drainers at once.
    const stop = new AbortController();
    let seen = 0;
    const first = await drainRebuilds(db, DIMENSIONS, { signal: stop.signal, onDay: () => (++seen === 2 ? stop.abort() : undefined) });
    expect(first).toBe(2);
    const [left] = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM usage_rollup_rebuilds`;
    expect(left!.n).toBe(6);
    const resumed = await Promise.all([drainRebuilds(db, DIMENSIONS), drainRebuilds(db, DIMENSIONS)]);
    expect(resumed[0] + resumed[1]).toBe(6);
    expect(await snapshot()).toEqual(before);
    expect(await others()).toEqual(beforeOthers);
  });
});

import type { Db } from '@netra/db';
import type { AppMetrics, DayMetrics, ModelMetrics, Totals } from '../schemas.js';

export interface Window {
  from: Date;
  to: Date;
}

interface AggregateRow {
  requests: number;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cost_usd: number | null;
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

function totalsOf(row: AggregateRow): Totals {
  return {
    requests: row.requests,
    promptTokens: row.prompt_tokens ?? 0,
    completionTokens: row.completion_tokens ?? 0,
    costUsd: row.cost_usd ?? 0,
    errorRate: row.requests === 0 ? 0 : row.errors / row.requests,
    p50LatencyMs: row.p50 ?? 0,
    p95LatencyMs: row.p95 ?? 0,
    p99LatencyMs: row.p99 ?? 0,
  };
}

/** Requests, tokens, cost, latency percentiles and error rate of a workspace over a window (half-open). */
export async function workloadTotals(db: Db, userId: string, window: Window): Promise<Totals> {
  const rows = await db.$queryRaw<AggregateRow[]>`
    SELECT count(*)::int AS requests,
           sum(prompt_tokens)::float8 AS prompt_tokens,
           sum(completion_tokens)::float8 AS completion_tokens,
           sum(cost_usd)::float8 AS cost_usd,
           count(*) FILTER (WHERE status = 'error')::int AS errors,
           percentile_cont(0.50) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p95,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p99
      FROM usage_events
     WHERE user_id = ${userId}::uuid AND ts >= ${window.from} AND ts < ${window.to}`;
  const row = rows[0];
  return row ? totalsOf(row) : totalsOf({ requests: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0, errors: 0, p50: 0, p95: 0, p99: 0 });
}

/** The same metrics per model, most expensive first. */
export async function metricsByModel(db: Db, userId: string, window: Window): Promise<ModelMetrics[]> {
  const rows = await db.$queryRaw<(AggregateRow & { model: string; provider: string | null })[]>`
    SELECT model, min(provider) AS provider,
           count(*)::int AS requests,
           sum(prompt_tokens)::float8 AS prompt_tokens,
           sum(completion_tokens)::float8 AS completion_tokens,
           sum(cost_usd)::float8 AS cost_usd,
           count(*) FILTER (WHERE status = 'error')::int AS errors,
           percentile_cont(0.50) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p95,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p99
      FROM usage_events
     WHERE user_id = ${userId}::uuid AND ts >= ${window.from} AND ts < ${window.to}
     GROUP BY model
     ORDER BY cost_usd DESC NULLS LAST, model`;
  return rows.map((r) => ({ model: r.model, provider: r.provider, ...totalsOf(r) }));
}

/** The same metrics per calling application, most expensive first. */
export async function metricsByApp(db: Db, userId: string, window: Window): Promise<AppMetrics[]> {
  const rows = await db.$queryRaw<(AggregateRow & { app: string })[]>`
    SELECT app,
           count(*)::int AS requests,
           sum(prompt_tokens)::float8 AS prompt_tokens,
           sum(completion_tokens)::float8 AS completion_tokens,
           sum(cost_usd)::float8 AS cost_usd,
           count(*) FILTER (WHERE status = 'error')::int AS errors,
           percentile_cont(0.50) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p95,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p99
      FROM usage_events
     WHERE user_id = ${userId}::uuid AND ts >= ${window.from} AND ts < ${window.to}
     GROUP BY app
     ORDER BY cost_usd DESC NULLS LAST, app`;
  return rows.map((r) => ({ app: r.app, ...totalsOf(r) }));
}

/** Requests, cost, p95 and error rate per UTC day. */
export async function metricsByDay(db: Db, userId: string, window: Window): Promise<DayMetrics[]> {
  const rows = await db.$queryRaw<{ day: string; requests: number; cost_usd: number | null; p95: number | null; errors: number }[]>`
    SELECT to_char(date_trunc('day', ts AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
           count(*)::int AS requests,
           sum(cost_usd)::float8 AS cost_usd,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p95,
           count(*) FILTER (WHERE status = 'error')::int AS errors
      FROM usage_events
     WHERE user_id = ${userId}::uuid AND ts >= ${window.from} AND ts < ${window.to}
     GROUP BY 1
     ORDER BY 1`;
  return rows.map((r) => ({
    day: r.day,
    requests: r.requests,
    costUsd: r.cost_usd ?? 0,
    p95LatencyMs: r.p95 ?? 0,
    errorRate: r.requests === 0 ? 0 : r.errors / r.requests,
  }));
}

/**
 * Requests whose prompt hash already occurred earlier in the window: what an exact-match cache would have served.
 */
export async function duplicatePrompts(
  db: Db,
  userId: string,
  window: Window,
): Promise<{ share: number; requests: number; costUsd: number }> {
  const rows = await db.$queryRaw<{ total: number; repeats: number; repeat_cost: number | null }[]>`
    WITH hashed AS (
      SELECT prompt_hash, cost_usd,
             row_number() OVER (PARTITION BY prompt_hash ORDER BY ts, event_id) AS n
        FROM usage_events
       WHERE user_id = ${userId}::uuid AND ts >= ${window.from} AND ts < ${window.to} AND prompt_hash IS NOT NULL
    )
    SELECT (SELECT count(*)::int FROM usage_events
             WHERE user_id = ${userId}::uuid AND ts >= ${window.from} AND ts < ${window.to}) AS total,
           count(*) FILTER (WHERE n > 1)::int AS repeats,
           sum(cost_usd) FILTER (WHERE n > 1)::float8 AS repeat_cost
      FROM hashed`;
  const row = rows[0];
  if (!row || row.total === 0) return { share: 0, requests: 0, costUsd: 0 };
  return { share: row.repeats / row.total, requests: row.repeats, costUsd: row.repeat_cost ?? 0 };
}

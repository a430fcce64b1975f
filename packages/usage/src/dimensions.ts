import { querySql, sql, type Db } from '@netra/db';
import { entriesOf, LatencyHistogram } from './histogram.js';
import { dayRange, type Window } from './summary.js';

/** One value of a metadata dimension over a window: "team = search". */
export interface DimensionValue {
  value: string;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  p95LatencyMs: number;
}

/**
 * Usage by the values of one metadata key (a USAGE_DIMENSIONS key: team, user, feature, …) over the whole UTC
 * days of a window, most expensive first, from `usage_dimension_rollups`: one read of a few rows per value and
 * day, whatever the number of events. Events without the key are not in any value. Optionally narrowed to apps.
 */
export async function dimensionBreakdown(db: Db, userId: string, window: Window, key: string, options: { apps?: readonly string[]; limit?: number } = {}): Promise<DimensionValue[]> {
  const { fromDay, toDay } = dayRange(window);
  const apps = options.apps && options.apps.length > 0 ? [...options.apps] : null;
  const rows = await querySql<{ value: string; requests: number; errors: number; prompt_tokens: number; completion_tokens: number; cost_usd: number; latency_hist: unknown }>(
    db,
    sql('usage_dimension_read')`
      SELECT value, requests, errors, prompt_tokens::float8 AS prompt_tokens, completion_tokens::float8 AS completion_tokens, cost_usd, latency_hist
        FROM usage_dimension_rollups
       WHERE user_id = ${userId}::uuid AND key = ${key} AND day >= ${fromDay}::date AND day < ${toDay}::date
         AND (${apps}::text[] IS NULL OR app = ANY(${apps}::text[]))`,
  );
  const byValue = new Map<string, { out: DimensionValue; hist: LatencyHistogram }>();
  for (const r of rows) {
    let entry = byValue.get(r.value);
    if (!entry) {
      entry = { out: { value: r.value, requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, p95LatencyMs: 0 }, hist: new LatencyHistogram() };
      byValue.set(r.value, entry);
    }
    entry.out.requests += r.requests;
    entry.out.errors += r.errors;
    entry.out.promptTokens += r.prompt_tokens;
    entry.out.completionTokens += r.completion_tokens;
    entry.out.costUsd += r.cost_usd;
    for (const [bucket, count] of entriesOf(r.latency_hist)) entry.hist.add(bucket, count);
  }
  const out = [...byValue.values()].map(({ out, hist }) => ({ ...out, p95LatencyMs: hist.quantile(0.95) }));
  out.sort((a, b) => b.costUsd - a.costUsd || a.value.localeCompare(b.value));
  return options.limit === undefined ? out : out.slice(0, options.limit);
}

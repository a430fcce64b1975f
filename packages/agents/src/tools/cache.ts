import { querySql, sql, type Db } from '@netra/db';
import { dayRange, estimateFromSetBits, filterParams, type UsageFilter, type Window } from '@netra/usage';

export interface CacheOpportunity {
  app: string;
  model: string;
  requests: number;
  /** Requests whose prompt hash already occurred earlier in the window (what an exact-match cache serves). */
  repeats: number;
  /** Their cost: the workload's average cost of a hashed request, times the repeats. */
  repeatCostUsd: number;
  /** False when the distinct prompts were estimated from the sketch (≈ 2 % RMS error, docs/ANALYTICS.md). */
  exact: boolean;
}

/** One workload's prompt-hash statistics over a window (sums and unions of its rollup rows). */
export interface PromptStats {
  app: string;
  model: string;
  requests: number;
  /** Requests that carry a promptHash, and their cost. */
  hashed: number;
  hashedCostUsd: number;
  /** Distinct hashes, exactly (every row kept its set), or null: then the sketch answers. */
  distinctExact: number | null;
  /** Set bits of the OR of the window's sketches (what the estimator reads). */
  sketchBits: number;
}

/**
 * Repeated prompts per workload: of the n requests of a prompt hash in the window, n − 1 could have been answered
 * by an exact-match cache, so repeats = hashed requests − distinct hashes. Requests without a promptHash count as
 * unique. Distinct hashes are exact while the window's rollup rows each hold their exact set (≤ PROMPT_SET_CAP a
 * day), and estimated from the OR of their sketches past that.
 */
export function cacheFromStats(stats: readonly PromptStats[]): CacheOpportunity[] {
  return stats
    .map((s) => {
      const distinct = s.distinctExact ?? Math.min(s.hashed, estimateFromSetBits(s.sketchBits));
      const repeats = Math.max(0, Math.round(s.hashed - distinct));
      return {
        app: s.app,
        model: s.model,
        requests: s.requests,
        repeats,
        repeatCostUsd: s.hashed === 0 ? 0 : (s.hashedCostUsd * repeats) / s.hashed,
        exact: s.distinctExact !== null,
      };
    })
    .sort((a, b) => b.repeatCostUsd - a.repeatCostUsd || a.app.localeCompare(b.app) || a.model.localeCompare(b.model));
}

/** The prompt statistics of every workload over the window's whole UTC days, from `usage_rollups` alone. */
export async function promptStats(db: Db, userId: string, window: Window, filter?: UsageFilter): Promise<PromptStats[]> {
  const { fromDay, toDay } = dayRange(window);
  const f = filterParams(filter);
  const rows = await querySql<{ app: string; model: string; requests: number; hashed: number; hashed_cost: number; distinct_exact: number | null; sketch_bits: number }>(
    db,
    sql('usage_prompt_stats', { usageRead: true })`
      SELECT r.app, r.model, sum(r.requests)::int AS requests, sum(r.hashed)::int AS hashed, sum(r.hashed_cost_usd)::float8 AS hashed_cost,
             CASE WHEN bool_and(r.prompt_set IS NOT NULL)
                  THEN (SELECT count(DISTINCT h)::int FROM usage_rollups x, unnest(x.prompt_set) AS h
                         WHERE x.user_id = ${userId}::uuid AND x.day >= ${fromDay}::date AND x.day < ${toDay}::date
                           AND x.app = r.app AND x.model = r.model) END AS distinct_exact,
             CASE WHEN bool_and(r.prompt_set IS NOT NULL) THEN 0 ELSE coalesce(bit_count(bit_or(r.prompt_sketch)), 0) END::int AS sketch_bits
        FROM usage_rollups r
       WHERE r.user_id = ${userId}::uuid AND r.day >= ${fromDay}::date AND r.day < ${toDay}::date
         AND (${f.apps}::text[] IS NULL OR r.app = ANY(${f.apps}::text[]))
         AND (${f.models}::text[] IS NULL OR r.model = ANY(${f.models}::text[]))
         AND r.app <> ALL(${f.excludeApps}::text[])
       GROUP BY r.app, r.model`,
  );
  return rows.map((r) => ({ app: r.app, model: r.model, requests: r.requests, hashed: r.hashed, hashedCostUsd: r.hashed_cost, distinctExact: r.distinct_exact, sketchBits: r.sketch_bits }));
}

/** The cache opportunity of a window: per workload and in total. */
export async function cacheOpportunity(db: Db, userId: string, window: Window, filter?: UsageFilter): Promise<{ share: number; requests: number; repeats: number; repeatCostUsd: number; byWorkload: CacheOpportunity[] }> {
  const byWorkload = cacheFromStats(await promptStats(db, userId, window, filter));
  const requests = byWorkload.reduce((s, w) => s + w.requests, 0);
  const repeats = byWorkload.reduce((s, w) => s + w.repeats, 0);
  const repeatCostUsd = byWorkload.reduce((s, w) => s + w.repeatCostUsd, 0);
  return { share: requests === 0 ? 0 : repeats / requests, requests, repeats, repeatCostUsd, byWorkload };
}

import type { Db } from '@netra/db';
import type { Window } from '@netra/usage';

export interface CacheOpportunity {
  app: string;
  model: string;
  requests: number;
  /** Requests whose prompt hash already occurred earlier in the window (what an exact-match cache serves). */
  repeats: number;
  /** Their cost, each repeat at its prompt's average cost. */
  repeatCostUsd: number;
}

/**
 * Repeated prompts per workload: for every prompt hash seen n > 1 times, n − 1 requests could have been answered
 * by an exact-match cache. Requests without a promptHash count as unique.
 */
export async function cacheOpportunity(db: Db, userId: string, window: Window): Promise<{ share: number; requests: number; repeats: number; repeatCostUsd: number; byWorkload: CacheOpportunity[] }> {
  const rows = await db.$queryRaw<{ app: string; model: string; requests: number; repeats: number; repeat_cost: number }[]>`
    WITH prompts AS (
      SELECT app, model, prompt_hash, count(*) AS n, sum(cost_usd) AS cost
        FROM usage_events
       WHERE user_id = ${userId}::uuid AND ts >= ${window.from} AND ts < ${window.to}
       GROUP BY app, model, prompt_hash
    )
    SELECT app, model, sum(n)::int AS requests,
           coalesce(sum(n - 1) FILTER (WHERE prompt_hash IS NOT NULL), 0)::int AS repeats,
           coalesce(sum(cost * (n - 1) / n) FILTER (WHERE prompt_hash IS NOT NULL), 0)::float8 AS repeat_cost
      FROM prompts
     GROUP BY app, model
     ORDER BY repeat_cost DESC, app, model`;
  const byWorkload = rows.map((r) => ({ app: r.app, model: r.model, requests: r.requests, repeats: r.repeats, repeatCostUsd: r.repeat_cost }));
  const requests = byWorkload.reduce((s, w) => s + w.requests, 0);
  const repeats = byWorkload.reduce((s, w) => s + w.repeats, 0);
  const repeatCostUsd = byWorkload.reduce((s, w) => s + w.repeatCostUsd, 0);
  return { share: requests === 0 ? 0 : repeats / requests, requests, repeats, repeatCostUsd, byWorkload };
}

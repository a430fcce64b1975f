import type { Db } from '@netra/db';
import type { Window } from '@netra/usage';

/** Discount of asynchronous batch APIs (OpenAI Batch API, Anthropic Message Batches, Gemini batch mode): 50%. */
export const BATCH_DISCOUNT = 0.5;

export interface BatchingCandidate {
  app: string;
  requests: number;
  costUsd: number;
  /** Share of the app's requests in its three busiest hours of the day (UTC): scheduled jobs score high. */
  peakHoursShare: number;
  /** Share of requests tagged `metadata.workload = "batch"`. */
  taggedBatchShare: number;
  eligible: boolean;
  savingsUsd: number;
}

/**
 * Batching potential per app: an app is a candidate for an asynchronous batch API when its requests are tagged
 * as batch work, or when ≥ 60% of them fall in three hours of the day (a scheduled job) and none of them stream
 * (no time-to-first-token recorded). Savings = the discount on the app's cost.
 */
export async function batchingPotential(db: Db, userId: string, window: Window): Promise<BatchingCandidate[]> {
  const rows = await db.$queryRaw<{ app: string; requests: number; cost: number; top3: number; tagged: number; streamed: number }[]>`
    WITH hours AS (
      SELECT app, extract(hour FROM ts AT TIME ZONE 'UTC') AS h, count(*) AS n, sum(cost_usd) AS cost,
             count(*) FILTER (WHERE metadata->>'workload' = 'batch') AS tagged,
             count(ttft_ms) AS streamed
        FROM usage_events
       WHERE user_id = ${userId}::uuid AND ts >= ${window.from} AND ts < ${window.to}
       GROUP BY app, h
    ), ranked AS (
      SELECT *, row_number() OVER (PARTITION BY app ORDER BY n DESC, h) AS r FROM hours
    )
    SELECT app, sum(n)::int AS requests, sum(cost)::float8 AS cost,
           (sum(n) FILTER (WHERE r <= 3))::int AS top3, sum(tagged)::int AS tagged, sum(streamed)::int AS streamed
      FROM ranked
     GROUP BY app
     ORDER BY cost DESC, app`;
  return rows.map((r) => {
    const peakHoursShare = r.requests === 0 ? 0 : r.top3 / r.requests;
    const taggedBatchShare = r.requests === 0 ? 0 : r.tagged / r.requests;
    const eligible = taggedBatchShare >= 0.5 || (peakHoursShare >= 0.6 && r.streamed === 0);
    return {
      app: r.app,
      requests: r.requests,
      costUsd: r.cost,
      peakHoursShare,
      taggedBatchShare,
      eligible,
      savingsUsd: eligible ? r.cost * BATCH_DISCOUNT : 0,
    };
  });
}

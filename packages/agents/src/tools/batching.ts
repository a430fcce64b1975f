import { querySql, sql, type Db } from '@netra/db';
import { dayRange, filterParams, type UsageFilter, type Window } from '@netra/usage';

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

/** What the batching tool reads of one rollup row (a day × model × app). */
export interface BatchingRow {
  app: string;
  requests: number;
  costUsd: number;
  batchTagged: number;
  streamed: number;
  /** Requests per UTC hour of the day (24). */
  hourCounts: readonly number[];
}

/**
 * Batching potential per app: an app is a candidate for an asynchronous batch API when its requests are tagged
 * as batch work, or when ≥ 60% of them fall in three hours of the day (a scheduled job) and none of them stream
 * (no time-to-first-token recorded). Savings = the discount on the app's cost.
 */
export function batchingFromRollups(rows: readonly BatchingRow[]): BatchingCandidate[] {
  const byApp = new Map<string, { requests: number; cost: number; tagged: number; streamed: number; hours: number[] }>();
  for (const r of rows) {
    let a = byApp.get(r.app);
    if (!a) {
      a = { requests: 0, cost: 0, tagged: 0, streamed: 0, hours: new Array<number>(24).fill(0) };
      byApp.set(r.app, a);
    }
    a.requests += r.requests;
    a.cost += r.costUsd;
    a.tagged += r.batchTagged;
    a.streamed += r.streamed;
    for (let h = 0; h < 24; h++) a.hours[h]! += r.hourCounts[h] ?? 0;
  }
  return [...byApp]
    .map(([app, a]) => {
      const top3 = [...a.hours].sort((x, y) => y - x).slice(0, 3).reduce((s, n) => s + n, 0);
      const peakHoursShare = a.requests === 0 ? 0 : top3 / a.requests;
      const taggedBatchShare = a.requests === 0 ? 0 : a.tagged / a.requests;
      const eligible = taggedBatchShare >= 0.5 || (peakHoursShare >= 0.6 && a.streamed === 0);
      return { app, requests: a.requests, costUsd: a.cost, peakHoursShare, taggedBatchShare, eligible, savingsUsd: eligible ? a.cost * BATCH_DISCOUNT : 0 };
    })
    .sort((x, y) => y.costUsd - x.costUsd || x.app.localeCompare(y.app));
}

/**
 * Batching potential over the window's whole UTC days, from `usage_rollups` (hour counts, batch tags, streaming),
 * summed per app by PostgreSQL: one row per app reaches the worker, whatever the number of days and models.
 */
export async function batchingPotential(db: Db, userId: string, window: Window, filter?: UsageFilter): Promise<BatchingCandidate[]> {
  const { fromDay, toDay } = dayRange(window);
  const f = filterParams(filter);
  const rows = await querySql<{ app: string; requests: number; cost_usd: number; batch_tagged: number; streamed: number; hour_counts: number[] | null }>(
    db,
    // The 24 hour sums spelled out: PostgreSQL adds arrays element-wise no cheaper way (unnest … GROUP BY cost 4× more).
    sql('usage_batching_read')`
      SELECT app, sum(requests)::int AS requests, sum(cost_usd)::float8 AS cost_usd, sum(batch_tagged)::int AS batch_tagged,
             sum(streamed)::int AS streamed,
             ARRAY[sum(hour_counts[1]), sum(hour_counts[2]), sum(hour_counts[3]), sum(hour_counts[4]), sum(hour_counts[5]), sum(hour_counts[6]),
                   sum(hour_counts[7]), sum(hour_counts[8]), sum(hour_counts[9]), sum(hour_counts[10]), sum(hour_counts[11]), sum(hour_counts[12]),
                   sum(hour_counts[13]), sum(hour_counts[14]), sum(hour_counts[15]), sum(hour_counts[16]), sum(hour_counts[17]), sum(hour_counts[18]),
                   sum(hour_counts[19]), sum(hour_counts[20]), sum(hour_counts[21]), sum(hour_counts[22]), sum(hour_counts[23]), sum(hour_counts[24])]::int[] AS hour_counts
        FROM usage_rollups
       WHERE user_id = ${userId}::uuid AND day >= ${fromDay}::date AND day < ${toDay}::date
         AND (${f.apps}::text[] IS NULL OR app = ANY(${f.apps}::text[]))
         AND (${f.models}::text[] IS NULL OR model = ANY(${f.models}::text[]))
         AND app <> ALL(${f.excludeApps}::text[])
       GROUP BY app`,
  );
  return batchingFromRollups(rows.map((r) => ({ app: r.app, requests: r.requests, costUsd: r.cost_usd, batchTagged: r.batch_tagged, streamed: r.streamed, hourCounts: r.hour_counts ?? [] })));
}

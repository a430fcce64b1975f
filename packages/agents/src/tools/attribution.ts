import { querySql, sql, type Db } from '@netra/db';
import { dayRange, filterParams, type Aggregate, type Breakdown, type UsageFilter, type Window } from '@netra/usage';
import type { Anomaly } from './anomalies.js';

export interface DimensionShare {
  key: string;
  values: { value: string; requests: number; costUsd: number; share: number }[];
  /** Cost of the window's events that carry this key (the rest have no value for it). */
  taggedCostUsd: number;
}

/**
 * Cost by every metadata dimension (USAGE_DIMENSIONS) in one read of `usage_dimension_rollups`: the `limit` most
 * expensive values per key, each with its share of the window's total cost.
 */
export async function dimensionShares(db: Db, userId: string, window: Window, totalCostUsd: number, filter?: UsageFilter, limit = 5): Promise<DimensionShare[]> {
  const { fromDay, toDay } = dayRange(window);
  const f = filterParams(filter);
  const rows = await querySql<{ key: string; value: string; requests: number; cost: number; tagged: number }>(
    db,
    sql('usage_dimension_shares')`
      SELECT key, value, requests, cost, tagged FROM (
        SELECT key, value, sum(requests)::int AS requests, sum(cost_usd)::float8 AS cost,
               sum(sum(cost_usd)) OVER (PARTITION BY key)::float8 AS tagged,
               row_number() OVER (PARTITION BY key ORDER BY sum(cost_usd) DESC, value) AS r
          FROM usage_dimension_rollups
         WHERE user_id = ${userId}::uuid AND day >= ${fromDay}::date AND day < ${toDay}::date
           AND (${f.apps}::text[] IS NULL OR app = ANY(${f.apps}::text[]))
           AND (${f.models}::text[] IS NULL OR model = ANY(${f.models}::text[]))
           AND app <> ALL(${f.excludeApps}::text[])
         GROUP BY key, value) AS v
       WHERE r <= ${limit}
       ORDER BY key, cost DESC`,
  );
  const byKey = new Map<string, DimensionShare>();
  for (const r of rows) {
    const d = byKey.get(r.key) ?? { key: r.key, values: [], taggedCostUsd: r.tagged };
    d.values.push({ value: r.value, requests: r.requests, costUsd: r.cost, share: totalCostUsd > 0 ? r.cost / totalCostUsd : 0 });
    byKey.set(r.key, d);
  }
  return [...byKey.values()];
}

export interface AnomalyCause extends Anomaly {
  /** The app and the model whose own series moved most on that day (null when the day had one of each). */
  app: string | null;
  model: string | null;
  /** That app's (or model's) value and its median over the window. */
  driverValue: number | null;
  driverExpected: number | null;
}

type Metric = Anomaly['metric'];
const valueOf = (a: Aggregate, metric: Metric): number => {
  const s = a.stats();
  return metric === 'requests' ? s.requests : metric === 'costUsd' ? s.costUsd : metric === 'errorRate' ? s.errorRate : s.p95LatencyMs;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? 0 : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** For additive metrics the change in the total; for rates, how far the series is from its own median. */
function driver(byDay: Map<string, Map<string, Aggregate>>, day: string, metric: Metric): { name: string; value: number; expected: number } | null {
  const today = byDay.get(day);
  if (!today) return null;
  let best: { name: string; value: number; expected: number; score: number } | null = null;
  for (const [name, agg] of today) {
    const series = [...byDay.values()].map((m) => m.get(name)).filter((x): x is Aggregate => x !== undefined).map((x) => valueOf(x, metric));
    const expected = median(series);
    const value = valueOf(agg, metric);
    // Rates: weighted by the requests behind them, so a 1-request app at 100 % errors does not win.
    const score = metric === 'errorRate' || metric === 'p95LatencyMs' ? Math.abs(value - expected) * Math.sqrt(agg.requests) : Math.abs(value - expected);
    if (!best || score > best.score) best = { name, value, expected, score };
  }
  return best;
}

/** Each anomalous day with the app and the model that drove it. */
export function attributeAnomalies(anomalies: readonly Anomaly[], b: Breakdown): AnomalyCause[] {
  return anomalies.map((a) => {
    const app = driver(b.byDayApp, a.day, a.metric);
    const model = driver(b.byDayModel, a.day, a.metric);
    return { ...a, app: app?.name ?? null, model: model?.name ?? null, driverValue: app?.value ?? null, driverExpected: app?.expected ?? null };
  });
}

export interface ErrorProfile {
  app: string;
  model: string | null;
  requests: number;
  errors: number;
  errorRate: number;
  /** Days whose error rate was at least 3× the app's median day and 2 points above it. */
  bursts: { day: string; errors: number; errorRate: number }[];
  /** What the failed calls cost, at the workload's average cost per request (failed calls are billed, then retried). */
  failedCostUsd: number;
}

/** Error rate by app (and by workload), with bursts per day and the cost of failed calls. */
export function errorProfiles(b: Breakdown): ErrorProfile[] {
  const out: ErrorProfile[] = [];
  for (const [app, agg] of b.byApp) {
    const s = agg.stats();
    const daily = [...b.byDayApp].map(([day, apps]) => ({ day, agg: apps.get(app) })).filter((d): d is { day: string; agg: Aggregate } => d.agg !== undefined);
    const rates = daily.map((d) => (d.agg.requests === 0 ? 0 : d.agg.errors / d.agg.requests));
    const med = median(rates);
    const bursts = daily
      .map((d) => ({ day: d.day, errors: d.agg.errors, errorRate: d.agg.requests === 0 ? 0 : d.agg.errors / d.agg.requests }))
      .filter((d) => d.errors >= 3 && d.errorRate >= Math.max(3 * med, med + 0.02))
      .sort((x, y) => y.errorRate - x.errorRate);
    out.push({ app, model: null, requests: s.requests, errors: agg.errors, errorRate: s.errorRate, bursts, failedCostUsd: s.requests === 0 ? 0 : (agg.errors * s.costUsd) / s.requests });
    for (const [model, w] of b.byWorkload.get(app) ?? []) {
      if ((b.byWorkload.get(app)?.size ?? 0) < 2) break;
      const ws = w.stats();
      out.push({ app, model, requests: ws.requests, errors: w.errors, errorRate: ws.errorRate, bursts: [], failedCostUsd: ws.requests === 0 ? 0 : (w.errors * ws.costUsd) / ws.requests });
    }
  }
  return out.sort((x, y) => y.errors - x.errors || x.app.localeCompare(y.app));
}

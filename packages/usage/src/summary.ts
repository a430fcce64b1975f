import type { UsageSummary } from '@netra/contracts';
import { querySql, sql, type Db } from '@netra/db';
import { LatencyHistogram, readHistogram, type StoredHistogram } from './histogram.js';

const DAY_MS = 86_400_000;

/** A UTC calendar day as `YYYY-MM-DD` (passed as text: a timestamp cast to date would use the session time zone). */
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export interface Window {
  from: Date;
  to: Date;
}

/**
 * Which usage a reading covers: only these apps / models (null: all), never the excluded apps (Netra's own calls),
 * and only events whose metadata `dimension.key` is one of `dimension.values`.
 */
export interface UsageFilter {
  apps: string[] | null;
  models: string[] | null;
  excludeApps: string[];
  dimension: { key: string; values: string[] } | null;
}

/** The filter as statement parameters (no filter: everything). */
export function filterParams(filter: UsageFilter | undefined) {
  return {
    apps: filter?.apps ?? null,
    models: filter?.models ?? null,
    excludeApps: filter?.excludeApps ?? [],
    dimensionKey: filter?.dimension?.key ?? null,
    dimensionValues: filter?.dimension?.values ?? [],
  };
}

interface RollupRow extends Record<string, unknown> {
  day: string;
  model: string;
  app: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  latency_hist: unknown;
  /** Absent from the dimension rollups. */
  cached_prompt_tokens?: number;
  quality_sum?: number;
  quality_n?: number;
}

/**
 * The whole UTC days a window covers, as `YYYY-MM-DD` bounds [fromDay, toDay): its start rounded down and its end
 * rounded up to midnight. The agents' windows are whole days already (triage), so for them this is exact.
 */
export function dayRange(window: Window): { fromDay: string; toDay: string } {
  const from = Math.floor(window.from.getTime() / DAY_MS) * DAY_MS;
  const to = Math.max(Math.ceil(window.to.getTime() / DAY_MS) * DAY_MS, from);
  return { fromDay: isoDay(from), toDay: isoDay(to) };
}

/** Requests, tokens, cost, errors and a latency histogram: what every grouping of the summary adds up. */
export class Aggregate {
  requests = 0;
  errors = 0;
  promptTokens = 0;
  completionTokens = 0;
  costUsd = 0;
  cachedPromptTokens = 0;
  qualitySum = 0;
  qualityN = 0;
  readonly hist = new LatencyHistogram();

  add(row: PartRow, hist: StoredHistogram): void {
    this.requests += row.requests;
    this.errors += row.errors;
    this.promptTokens += row.promptTokens;
    this.completionTokens += row.completionTokens;
    this.costUsd += row.costUsd;
    this.cachedPromptTokens += row.cachedPromptTokens ?? 0;
    this.qualitySum += row.qualitySum ?? 0;
    this.qualityN += row.qualityN ?? 0;
    this.hist.addStored(hist);
  }

  /** Adds another aggregate (a finer grouping) into this one. */
  merge(other: Aggregate): void {
    this.requests += other.requests;
    this.errors += other.errors;
    this.promptTokens += other.promptTokens;
    this.completionTokens += other.completionTokens;
    this.costUsd += other.costUsd;
    this.cachedPromptTokens += other.cachedPromptTokens;
    this.qualitySum += other.qualitySum;
    this.qualityN += other.qualityN;
    this.hist.addAll(other.hist);
  }

  stats() {
    const [p50 = 0, p95 = 0, p99 = 0] = this.hist.quantiles([0.5, 0.95, 0.99]);
    return {
      requests: this.requests,
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      costUsd: this.costUsd,
      errorRate: this.requests === 0 ? 0 : this.errors / this.requests,
      p50LatencyMs: p50,
      p95LatencyMs: p95,
      p99LatencyMs: p99,
    };
  }
}

/** One (day, model, app) part of the window, from a rollup row or from raw events of a partial day. */
export interface PartRow {
  day: string;
  model: string;
  app: string;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  /** Whole days only (rollups): prompt tokens served from the provider's cache; reported quality scores. */
  cachedPromptTokens?: number;
  qualitySum?: number;
  qualityN?: number;
}

/** The grouped aggregates of a window; `summarize` and the agents' tools both read these. */
export interface Breakdown {
  total: Aggregate;
  byModel: Map<string, Aggregate>;
  byApp: Map<string, Aggregate>;
  byDay: Map<string, Aggregate>;
  /** Empty when `breakdown` was asked not to split days by model (the agents do not use it). */
  byDayModel: Map<string, Map<string, Aggregate>>;
  /** Days split by app, when asked for (`dayApp`): who drove a day's spike. */
  byDayApp: Map<string, Map<string, Aggregate>>;
  /** Per (app, model): the unit a routing rule applies to. */
  byWorkload: Map<string, Map<string, Aggregate>>;
}

function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/**
 * The usage of a window, split by model, app, day, day × model and app × model. Whole UTC days come from
 * `usage_rollups` (a few rows per day whatever the traffic); the partial days at the window's edges from the
 * events themselves, grouped by their stored latency bucket — so counts, tokens and cost are exact for any window
 * and percentiles come from the same histograms.
 */
export async function breakdown(db: Db, userId: string, window: Window, options: { dayModel?: boolean; dayApp?: boolean; filter?: UsageFilter } = {}): Promise<Breakdown> {
  const dayModel = options.dayModel ?? true;
  const dayApp = options.dayApp ?? false;
  const f = filterParams(options.filter);
  const from = window.from.getTime();
  const to = Math.max(window.to.getTime(), from);
  const firstFull = Math.ceil(from / DAY_MS) * DAY_MS;
  const endFull = Math.floor(to / DAY_MS) * DAY_MS;
  const hasFull = firstFull < endFull;
  // Edges: [from, firstFull) and [endFull, to), or the whole window when it holds no full day.
  const edgeA: [Date, Date] = hasFull ? [new Date(from), new Date(firstFull)] : [new Date(from), new Date(to)];
  const edgeB: [Date, Date] = hasFull ? [new Date(endFull), new Date(to)] : [new Date(to), new Date(to)];

  const [rollups, edges] = await Promise.all([
    !hasFull
      ? Promise.resolve([])
      : querySql<RollupRow>(
          db,
          f.dimensionKey === null
            ? sql('usage_rollups_read', { usageRead: true })`
                SELECT to_char(day, 'YYYY-MM-DD') AS day, model, app, requests, errors,
                       prompt_tokens::float8 AS prompt_tokens, completion_tokens::float8 AS completion_tokens, cost_usd, latency_hist,
                       cached_prompt_tokens::float8 AS cached_prompt_tokens, quality_sum, quality_n
                  FROM usage_rollups
                 WHERE user_id = ${userId}::uuid AND day >= ${isoDay(firstFull)}::date AND day < ${isoDay(endFull)}::date
                   AND (${f.apps}::text[] IS NULL OR app = ANY(${f.apps}::text[]))
                   AND (${f.models}::text[] IS NULL OR model = ANY(${f.models}::text[]))
                   AND app <> ALL(${f.excludeApps}::text[])`
            : sql('usage_dimension_rollups_read', { usageRead: true })`
                SELECT to_char(day, 'YYYY-MM-DD') AS day, model, app, sum(requests)::int AS requests, sum(errors)::int AS errors,
                       sum(prompt_tokens)::float8 AS prompt_tokens, sum(completion_tokens)::float8 AS completion_tokens,
                       sum(cost_usd)::float8 AS cost_usd, jsonb_agg(latency_hist) AS latency_hist
                  FROM usage_dimension_rollups
                 WHERE user_id = ${userId}::uuid AND day >= ${isoDay(firstFull)}::date AND day < ${isoDay(endFull)}::date
                   AND key = ${f.dimensionKey} AND value = ANY(${f.dimensionValues}::text[])
                   AND (${f.apps}::text[] IS NULL OR app = ANY(${f.apps}::text[]))
                   AND (${f.models}::text[] IS NULL OR model = ANY(${f.models}::text[]))
                   AND app <> ALL(${f.excludeApps}::text[])
                 GROUP BY day, model, app`,
        ),
    edgeA[0] >= edgeA[1] && edgeB[0] >= edgeB[1]
      ? Promise.resolve([])
      : db.$queryRaw<{ day: string; model: string; app: string; bucket: number; requests: number; errors: number; prompt_tokens: number; completion_tokens: number; cost_usd: number }[]>`
      SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, model, app, latency_bucket::int AS bucket,
             count(*)::int AS requests, (count(*) FILTER (WHERE status = 'error'))::int AS errors,
             sum(prompt_tokens)::float8 AS prompt_tokens, sum(completion_tokens)::float8 AS completion_tokens,
             sum(cost_usd)::float8 AS cost_usd
        FROM usage_events
       WHERE user_id = ${userId}::uuid
         AND ((ts >= ${edgeA[0]} AND ts < ${edgeA[1]}) OR (ts >= ${edgeB[0]} AND ts < ${edgeB[1]}))
         AND (${f.apps}::text[] IS NULL OR app = ANY(${f.apps}::text[]))
         AND (${f.models}::text[] IS NULL OR model = ANY(${f.models}::text[]))
         AND app <> ALL(${f.excludeApps}::text[])
         AND (${f.dimensionKey}::text IS NULL OR metadata->>${f.dimensionKey}::text = ANY(${f.dimensionValues}::text[]))
       GROUP BY 1, 2, 3, 4`,
  ]);

  const result: Breakdown = {
    total: new Aggregate(),
    byModel: new Map(),
    byApp: new Map(),
    byDay: new Map(),
    byDayModel: new Map(),
    byDayApp: new Map(),
    byWorkload: new Map(),
  };
  // Each part goes into its workload (app × model) and its day; total, by model and by app are sums of the
  // workloads — a few dense histograms added, instead of every stored bucket added five times.
  const add = (row: PartRow, hist: StoredHistogram) => {
    entry(result.byDay, row.day, () => new Aggregate()).add(row, hist);
    if (dayModel) entry(entry(result.byDayModel, row.day, () => new Map<string, Aggregate>()), row.model, () => new Aggregate()).add(row, hist);
    if (dayApp) entry(entry(result.byDayApp, row.day, () => new Map<string, Aggregate>()), row.app, () => new Aggregate()).add(row, hist);
    entry(entry(result.byWorkload, row.app, () => new Map<string, Aggregate>()), row.model, () => new Aggregate()).add(row, hist);
  };
  for (const r of rollups) {
    const part = {
      day: r.day, model: r.model, app: r.app, requests: r.requests, errors: r.errors, promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens, costUsd: r.cost_usd,
      cachedPromptTokens: r.cached_prompt_tokens ?? 0, qualitySum: r.quality_sum ?? 0, qualityN: r.quality_n ?? 0,
    };
    // A dimension's row merges several values' histograms (jsonb_agg): an array of them.
    add(part, readHistogram(r.latency_hist));
  }
  for (const r of edges) {
    const hist: StoredHistogram = { buckets: [r.bucket], counts: [r.requests] };
    add({ day: r.day, model: r.model, app: r.app, requests: r.requests, errors: r.errors, promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens, costUsd: r.cost_usd }, hist);
  }
  for (const [app, models] of result.byWorkload) {
    for (const [model, workload] of models) {
      result.total.merge(workload);
      entry(result.byModel, model, () => new Aggregate()).merge(workload);
      entry(result.byApp, app, () => new Aggregate()).merge(workload);
    }
  }
  return result;
}

const byCost = <T extends { costUsd: number }>(key: (t: T) => string) => (a: T, b: T) => b.costUsd - a.costUsd || key(a).localeCompare(key(b));

/** The breakdown as lists: most expensive first (by day: in day order). */
export function views(b: Breakdown) {
  return {
    totals: b.total.stats(),
    byModel: [...b.byModel].map(([model, a]) => ({ model, ...a.stats() })).sort(byCost((x) => x.model)),
    byApp: [...b.byApp].map(([app, a]) => ({ app, ...a.stats() })).sort(byCost((x) => x.app)),
    byDay: [...b.byDay]
      .map(([day, a]) => {
        const s = a.stats();
        return { day, requests: s.requests, costUsd: s.costUsd, p95LatencyMs: s.p95LatencyMs, errorRate: s.errorRate };
      })
      .sort((x, y) => x.day.localeCompare(y.day)),
    byDayAndModel: [...b.byDayModel]
      .flatMap(([day, models]) =>
        [...models].map(([model, a]) => {
          const s = a.stats();
          return { day, model, requests: s.requests, costUsd: s.costUsd, p95LatencyMs: s.p95LatencyMs };
        }),
      )
      .sort((x, y) => x.day.localeCompare(y.day) || x.model.localeCompare(y.model)),
    workloads: [...b.byWorkload]
      .flatMap(([app, models]) =>
        [...models].map(([model, a]) => ({ app, model, ...a.stats(), cachedPromptTokens: a.cachedPromptTokens, qualityScore: a.qualityN > 0 ? a.qualitySum / a.qualityN : null, qualityReports: a.qualityN })),
      )
      .sort(byCost((x) => `${x.app}/${x.model}`)),
  };
}

/** `GET /usage/summary`: the window's usage by model, app, day, day × model and day × app. */
export async function summarize(db: Db, userId: string, window: Window): Promise<UsageSummary> {
  const b = await breakdown(db, userId, window, { dayApp: true });
  const { workloads: _workloads, ...lists } = views(b);
  const byDayAndApp = [...b.byDayApp]
    .flatMap(([day, apps]) =>
      [...apps].map(([app, a]) => {
        const s = a.stats();
        return { day, app, requests: s.requests, costUsd: s.costUsd, p95LatencyMs: s.p95LatencyMs };
      }),
    )
    .sort((x, y) => x.day.localeCompare(y.day) || x.app.localeCompare(y.app));
  return { window: { from: window.from.toISOString(), to: window.to.toISOString() }, ...lists, byDayAndApp };
}

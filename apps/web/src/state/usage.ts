import type { UsageSummary } from '@netra/contracts';

export type UsageMetric = 'costUsd' | 'requests' | 'p95LatencyMs';

export interface SeriesSet {
  /** UTC days, ascending, every day of the data present once (gaps filled). */
  days: string[];
  /** One series per model, values aligned with `days`; null where the model had no traffic that day. */
  series: { model: string; values: (number | null)[] }[];
}

const DAY_MS = 86_400_000;

/** Every UTC day from the first to the last day seen, so charts show quiet days as gaps, not as joined lines. */
function allDays(days: string[]): string[] {
  if (days.length === 0) return [];
  const sorted = [...new Set(days)].sort();
  const first = Date.parse(`${sorted[0]}T00:00:00Z`);
  const last = Date.parse(`${sorted[sorted.length - 1]}T00:00:00Z`);
  if (!Number.isFinite(first) || !Number.isFinite(last)) return sorted;
  const out: string[] = [];
  for (let t = first; t <= last && out.length < 3660; t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** A day's figures for one model or one app. */
export interface DayRow {
  day: string;
  key: string;
  requests: number;
  costUsd: number;
  p95LatencyMs: number;
}

/**
 * Daily series of one metric, one per model or app (`rows`), ordered by their total cost (so colours and legends put
 * the expensive ones first). `limit` keeps charts readable: the rest are summed into "other" (not for p95, which
 * cannot be summed, and is left out instead).
 */
export function seriesBy(rows: readonly DayRow[], metric: UsageMetric, limit = 6): SeriesSet {
  const days = allDays(rows.map((r) => r.day.slice(0, 10)));
  const cost = new Map<string, number>();
  for (const r of rows) cost.set(r.key, (cost.get(r.key) ?? 0) + r.costUsd);
  const keys = [...cost.keys()].sort((a, b) => (cost.get(b) ?? 0) - (cost.get(a) ?? 0) || a.localeCompare(b));
  const shown = keys.slice(0, limit);
  const rest = new Set(keys.slice(limit));
  const index = new Map(days.map((d, i) => [d, i]));
  const series = shown.map((model) => ({ model, values: days.map((): number | null => null) }));
  const other = { model: 'other', values: days.map((): number | null => null) };
  for (const r of rows) {
    const i = index.get(r.day.slice(0, 10));
    if (i === undefined) continue;
    const value = r[metric];
    const target = rest.has(r.key) ? (metric === 'p95LatencyMs' ? undefined : other) : series.find((s) => s.model === r.key);
    if (!target) continue;
    target.values[i] = (target.values[i] ?? 0) + value;
  }
  if (rest.size > 0 && metric !== 'p95LatencyMs') series.push(other);
  return { days, series };
}

/** Per-model daily series of one metric from `byDayAndModel` (see seriesBy). */
export function seriesByModel(summary: Pick<UsageSummary, 'byDayAndModel'>, metric: UsageMetric, limit = 6): SeriesSet {
  return seriesBy(summary.byDayAndModel.map((r) => ({ ...r, key: r.model })), metric, limit);
}

/** Per-app daily series of one metric from `byDayAndApp` (see seriesBy). */
export function seriesByApp(summary: Pick<UsageSummary, 'byDayAndApp'>, metric: UsageMetric, limit = 6): SeriesSet {
  return seriesBy(summary.byDayAndApp.map((r) => ({ ...r, key: r.app })), metric, limit);
}

/** Totals per day from `byDay` (all models), aligned with `days`. */
export function dailyTotals(summary: UsageSummary, days: string[]): { costUsd: (number | null)[]; requests: (number | null)[] } {
  const byDay = new Map(summary.byDay.map((d) => [d.day.slice(0, 10), d]));
  return {
    costUsd: days.map((d) => byDay.get(d)?.costUsd ?? null),
    requests: days.map((d) => byDay.get(d)?.requests ?? null),
  };
}

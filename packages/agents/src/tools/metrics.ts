import type { Db } from '@netra/db';
import { breakdown, views, type Breakdown, type UsageFilter, type Window } from '@netra/usage';
import type { AppMetrics, DayMetrics, ModelMetrics, Totals, WorkloadMetrics } from '../schemas.js';

export type { Window };

export interface WorkloadReport {
  totals: Totals;
  byModel: Omit<ModelMetrics, 'provider'>[];
  byApp: AppMetrics[];
  byDay: DayMetrics[];
  /** Per (app, model): the unit a routing, caching or batching change applies to. */
  workloads: WorkloadMetrics[];
  /** The aggregates behind the lists (day × model and day × app when asked), for attribution. */
  breakdown: Breakdown;
}

/**
 * Requests, tokens, cost, p50/p95/p99 latency and error rate of a workspace over a window, in total and by model,
 * app, day and workload (app × model). Same numbers as `GET /usage/summary` (one implementation: @netra/usage).
 */
export async function workloadMetrics(db: Db, userId: string, window: Window, options: { filter?: UsageFilter; dayModel?: boolean; dayApp?: boolean } = {}): Promise<WorkloadReport> {
  const b = await breakdown(db, userId, window, { dayModel: options.dayModel ?? false, dayApp: options.dayApp ?? false, ...(options.filter ? { filter: options.filter } : {}) });
  const { totals, byModel, byApp, byDay, workloads } = views(b);
  return { totals, byModel, byApp, byDay, workloads, breakdown: b };
}

/** Days of data in the window, counting partial days at its edges by the fraction they cover. */
export function observedDays(days: readonly { day: string }[], window: { from: string; to: string }): number {
  const from = Date.parse(window.from);
  const to = Date.parse(window.to);
  let total = 0;
  for (const { day } of days) {
    const start = Date.parse(`${day}T00:00:00.000Z`);
    const overlap = Math.min(start + 86_400_000, to) - Math.max(start, from);
    total += Math.max(0, overlap) / 86_400_000;
  }
  return total;
}

/** Scales a cost over `days` of data to a 30-day month. */
export function perMonth(costUsd: number, days: number): number {
  return days <= 0 ? 0 : (costUsd / days) * 30;
}

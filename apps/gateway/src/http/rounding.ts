import type { UsageSummary } from '@netra/contracts';

/**
 * How numbers leave the API (README "Usage data"): money in USD to 6 decimals (a millionth of a dollar, below any
 * provider's billing unit) and latencies to whole milliseconds. Computed values carry float noise
 * (`406.97754810000004`) and interpolation fractions (`p50 = 300.908` ms) that are not information; clients must
 * not have to round. Sums are computed from unrounded values first, so rounding never accumulates.
 */
export const MONEY_DECIMALS = 6;

export function roundUsd(value: number): number {
  return Math.round(value * 10 ** MONEY_DECIMALS) / 10 ** MONEY_DECIMALS;
}

export function roundMs(value: number): number {
  return Math.round(value);
}

type Aggregate = Pick<UsageSummary['totals'], 'costUsd' | 'p50LatencyMs' | 'p95LatencyMs' | 'p99LatencyMs'>;

function roundAggregate<T extends Aggregate>(row: T): T {
  return { ...row, costUsd: roundUsd(row.costUsd), p50LatencyMs: roundMs(row.p50LatencyMs), p95LatencyMs: roundMs(row.p95LatencyMs), p99LatencyMs: roundMs(row.p99LatencyMs) };
}

/** The usage summary as the API answers it: money to 6 decimals, latencies to whole ms. */
export function roundSummary(summary: UsageSummary): UsageSummary {
  return {
    ...summary,
    totals: roundAggregate(summary.totals),
    byModel: summary.byModel.map(roundAggregate),
    byApp: summary.byApp.map(roundAggregate),
    byDay: summary.byDay.map((d) => ({ ...d, costUsd: roundUsd(d.costUsd), p95LatencyMs: roundMs(d.p95LatencyMs) })),
    byDayAndModel: summary.byDayAndModel.map((d) => ({ ...d, costUsd: roundUsd(d.costUsd), p95LatencyMs: roundMs(d.p95LatencyMs) })),
    byDayAndApp: summary.byDayAndApp.map((d) => ({ ...d, costUsd: roundUsd(d.costUsd), p95LatencyMs: roundMs(d.p95LatencyMs) })),
  };
}

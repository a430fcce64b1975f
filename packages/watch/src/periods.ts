import type { BudgetPeriod } from '@netra/contracts';

const DAY_MS = 86_400_000;

export interface PeriodWindow {
  /** First instant of the period (UTC midnight). */
  start: Date;
  /** First instant of the next period. */
  end: Date;
  /** `YYYY-MM-DD` of `start`: names the period in alert keys. */
  startDay: string;
  /** `YYYY-MM-DD` of `end`. */
  endDay: string;
  /** Share of the period elapsed at `now`, 0..1. */
  elapsed: number;
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The UTC calendar period containing `now`: the day, the ISO week (Monday first) or the month. */
export function periodWindow(period: BudgetPeriod, now: Date): PeriodWindow {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  let start: number;
  let end: number;
  if (period === 'day') {
    start = midnight;
    end = midnight + DAY_MS;
  } else if (period === 'week') {
    const sinceMonday = (now.getUTCDay() + 6) % 7;
    start = midnight - sinceMonday * DAY_MS;
    end = start + 7 * DAY_MS;
  } else {
    start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  }
  const elapsed = Math.min(1, Math.max(0, (now.getTime() - start) / (end - start)));
  return { start: new Date(start), end: new Date(end), startDay: dayOf(new Date(start)), endDay: dayOf(new Date(end)), elapsed };
}

/**
 * A forecast before this share of the period has passed extrapolates too little data (an hour of a month) to be
 * worth an alert.
 */
export const MIN_FORECAST_ELAPSED = 0.05;

/** Spend at the end of the period at the rate so far (the spend itself until MIN_FORECAST_ELAPSED has passed). */
export function forecastSpend(spentUsd: number, elapsed: number): number {
  if (elapsed < MIN_FORECAST_ELAPSED) return spentUsd;
  return spentUsd / elapsed;
}

export interface BudgetCheck {
  /** Thresholds reached by the spend (fractions of the amount). */
  crossed: number[];
  /** True when the forecast is over the amount while the spend is not yet. */
  forecastBreach: boolean;
  forecastUsd: number;
}

/** What a budget's spend means now. Pure: the evaluator turns the answer into alerts, each once per period. */
export function checkBudget(amountUsd: number, thresholds: readonly number[], spentUsd: number, elapsed: number): BudgetCheck {
  const forecastUsd = forecastSpend(spentUsd, elapsed);
  return {
    crossed: thresholds.filter((t) => spentUsd >= t * amountUsd),
    forecastBreach: elapsed >= MIN_FORECAST_ELAPSED && spentUsd < amountUsd && forecastUsd > amountUsd,
    forecastUsd,
  };
}

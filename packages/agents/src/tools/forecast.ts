import type { Forecast } from '@netra/contracts';
import { round } from '../format.js';

/**
 * The next `horizonDays` of spend from the daily series: a least-squares linear trend on the days observed (flat
 * below 14 days), times
 * a weekly seasonality factor per weekday (each weekday's mean ratio to the trend, when at least two full weeks are
 * observed), and an interval of ±1.96 × the residuals' standard deviation × √horizon (independent daily errors).
 * Days with no events inside the observed span count as zero spend. Needs at least 3 days; null otherwise.
 */
export function forecastSpend(days: readonly { day: string; costUsd: number }[], horizonDays = 30, growthPct?: number, afterPlanShare?: number): Forecast | null {
  if (days.length < 3) return null;
  const sorted = [...days].sort((a, b) => a.day.localeCompare(b.day));
  const start = Date.parse(`${sorted[0]!.day}T00:00:00Z`);
  const end = Date.parse(`${sorted[sorted.length - 1]!.day}T00:00:00Z`);
  const n = Math.round((end - start) / 86_400_000) + 1;
  const y = new Array<number>(n).fill(0);
  for (const d of sorted) y[Math.round((Date.parse(`${d.day}T00:00:00Z`) - start) / 86_400_000)]! += d.costUsd;
  const xs = y.map((_, i) => i);
  const mx = (n - 1) / 2;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const i of xs) {
    sxy += (i - mx) * (y[i]! - my);
    sxx += (i - mx) ** 2;
  }
  // A trend from fewer than two weeks extrapolates noise a month ahead: flat then.
  const slope = sxx === 0 || n < 14 ? 0 : sxy / sxx;
  const trend = (i: number) => Math.max(0, my + slope * (i - mx));
  // Weekly seasonality: mean ratio to the trend per weekday, when two full weeks show it.
  const season = new Array<number>(7).fill(1);
  if (n >= 14) {
    const sums = new Array<number>(7).fill(0);
    const counts = new Array<number>(7).fill(0);
    for (const i of xs) {
      const t = trend(i);
      if (t <= 0) continue;
      const wd = new Date(start + i * 86_400_000).getUTCDay();
      sums[wd]! += y[i]! / t;
      counts[wd]! += 1;
    }
    for (let wd = 0; wd < 7; wd++) if (counts[wd]! > 0) season[wd] = sums[wd]! / counts[wd]!;
  }
  const fitted = (i: number) => trend(i) * season[new Date(start + i * 86_400_000).getUTCDay()]!;
  const residuals = xs.map((i) => y[i]! - fitted(i));
  const sd = Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / Math.max(1, n - 2));
  let projected = 0;
  for (let k = 1; k <= horizonDays; k++) projected += fitted(n - 1 + k);
  const observed = y.slice(-Math.min(n, horizonDays)).reduce((s, v) => s + v, 0);
  const baseline = n >= horizonDays ? observed : (observed / n) * horizonDays;
  const half = 1.96 * sd * Math.sqrt(horizonDays);
  const out: Forecast = {
    horizonDays,
    baselineUsd: round(baseline),
    projectedUsd: round(projected),
    lowUsd: round(Math.max(0, projected - half)),
    highUsd: round(projected + half),
    growthPct: baseline > 0 ? Math.round(((projected - baseline) / baseline) * 1000) / 10 : 0,
    method: `${n >= 14 ? `linear trend over ${n} days with weekly seasonality` : `the mean of ${n} days (too few for a trend)`}; interval ±1.96 σ√${horizonDays} of the daily residuals`,
  };
  if (growthPct !== undefined) {
    out.scenarioGrowthPct = growthPct;
    out.scenarioUsd = round(projected * (1 + growthPct / 100));
  }
  if (afterPlanShare !== undefined) out.afterPlanUsd = round((out.scenarioUsd ?? projected) * Math.max(0, 1 - afterPlanShare));
  return out;
}

import type { DayMetrics } from '../schemas.js';

export type AnomalyMetric = 'requests' | 'costUsd' | 'errorRate' | 'p95LatencyMs';

export interface Anomaly {
  day: string;
  metric: AnomalyMetric;
  value: number;
  /** The trend: median of the surrounding days. */
  expected: number;
  /** Robust z-score: distance from the trend in scaled median absolute deviations. */
  score: number;
}

const METRICS: AnomalyMetric[] = ['requests', 'costUsd', 'errorRate', 'p95LatencyMs'];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? 0 : sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Days far from the trend: each day is compared with the median of the `radius` days around it (itself
 * excluded); a day whose robust z-score (|x − median| / (1.4826 · MAD)) exceeds `threshold` is an anomaly. The
 * MAD has a floor of 5% of the median so that a perfectly flat series does not flag noise. Needs ≥ 7 days.
 */
export function detectAnomalies(days: readonly DayMetrics[], options: { radius?: number; threshold?: number } = {}): Anomaly[] {
  const radius = options.radius ?? 7;
  const threshold = options.threshold ?? 4;
  if (days.length < 7) return [];
  const out: Anomaly[] = [];
  for (const [i, day] of days.entries()) {
    const neighbours = days.filter((_, j) => j !== i && Math.abs(j - i) <= radius);
    for (const metric of METRICS) {
      const values = neighbours.map((d) => d[metric]);
      const expected = median(values);
      const mad = Math.max(median(values.map((v) => Math.abs(v - expected))), Math.abs(expected) * 0.05, 1e-9);
      const score = Math.abs(day[metric] - expected) / (1.4826 * mad);
      if (score > threshold) out.push({ day: day.day, metric, value: day[metric], expected, score: Math.round(score * 10) / 10 });
    }
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * Latency histograms with logarithmic buckets. Percentiles over millions of events are answered from per-day
 * histograms instead of sorting the events; a bucket is at most 4% wide, and values are interpolated inside it,
 * so a percentile is within ~2% of the exact one.
 *
 * Bucket 0 holds 0 ms; bucket b ≥ 1 holds [GROWTH^(b-1), GROWTH^b). The bucket of each event is stored with it
 * (`usage_events.latency_bucket`), so partial days and rollups use exactly the same buckets.
 */
export const GROWTH = 1.04;
const LN_GROWTH = Math.log(GROWTH);

/** A sparse histogram: bucket → count. */
export type Histogram = Map<number, number>;

export function latencyBucket(ms: number): number {
  if (!(ms >= 1)) return 0;
  const b = Math.floor(Math.log(ms) / LN_GROWTH) + 1;
  // Guard against floating-point edges: the bucket's lower bound must not exceed the value.
  return bucketLow(b) > ms ? b - 1 : b;
}

export function bucketLow(bucket: number): number {
  return bucket <= 0 ? 0 : GROWTH ** (bucket - 1);
}

export function bucketHigh(bucket: number): number {
  return bucket <= 0 ? 1 : GROWTH ** bucket;
}

export function addTo(target: Histogram, bucket: number, count: number): void {
  if (count === 0) return;
  target.set(bucket, (target.get(bucket) ?? 0) + count);
}

export function mergeInto(target: Histogram, source: Histogram): void {
  for (const [bucket, count] of source) addTo(target, bucket, count);
}

/** The JSON stored in `usage_rollups.latency_hist`. */
export function toJson(histogram: Histogram): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [bucket, count] of histogram) out[String(bucket)] = count;
  return out;
}

export function fromJson(value: unknown): Histogram {
  const out: Histogram = new Map();
  if (value === null || typeof value !== 'object') return out;
  for (const [key, count] of Object.entries(value as Record<string, unknown>)) {
    const bucket = Number(key);
    if (Number.isInteger(bucket) && typeof count === 'number') addTo(out, bucket, count);
  }
  return out;
}

/**
 * The p-quantile (0..1) in the manner of `percentile_cont`: the value at rank p·(n−1), found in its bucket and
 * interpolated linearly between the bucket's bounds. 0 for an empty histogram.
 */
export function quantile(histogram: Histogram, p: number): number {
  let total = 0;
  for (const count of histogram.values()) total += count;
  if (total === 0) return 0;
  const rank = p * (total - 1);
  const buckets = [...histogram.keys()].sort((a, b) => a - b);
  let seen = 0;
  for (const bucket of buckets) {
    const count = histogram.get(bucket) ?? 0;
    if (rank < seen + count) {
      if (bucket === 0) return 0;
      const lo = bucketLow(bucket);
      const hi = bucketHigh(bucket);
      // Spread the bucket's values evenly over its range; the k-th of n sits at (k + 0.5) / n.
      return lo + ((rank - seen + 0.5) / count) * (hi - lo);
    }
    seen += count;
  }
  const last = buckets[buckets.length - 1] ?? 0;
  return bucketHigh(last);
}

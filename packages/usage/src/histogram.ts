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

export function bucketLow(bucket: number): number {
  return bucket <= 0 ? 0 : GROWTH ** (bucket - 1);
}

export function bucketHigh(bucket: number): number {
  return bucket <= 0 ? 1 : GROWTH ** bucket;
}

/**
 * Buckets 0..MAX_BUCKET cover 0..10 million: latencies (≤ an hour, the contract's limit) and token counts (≤ 10
 * million) alike. The SQL twin `netra_log_bucket` (migration usage_rollups_v2) caps at the same 411.
 */
export const MAX_BUCKET = Math.floor(Math.log(10_000_000) / LN_GROWTH) + 1;

export function latencyBucket(ms: number): number {
  if (!(ms >= 1)) return 0;
  const b = Math.min(Math.floor(Math.log(ms) / LN_GROWTH) + 1, MAX_BUCKET);
  // Guard against floating-point edges: the bucket's lower bound must not exceed the value.
  return bucketLow(b) > ms ? b - 1 : b;
}

/** A sparse histogram as stored in `usage_rollups.latency_hist` (and the TTFT and token ones): `{"<bucket>": count}`. */
export type HistogramJson = Record<string, number>;

/**
 * A dense histogram (one slot per bucket), for adding up thousands of sparse ones quickly: a summary merges each
 * rollup row into several groupings, which is a few array additions per stored bucket.
 */
export class LatencyHistogram {
  readonly counts = new Float64Array(MAX_BUCKET + 1);
  /** The sum of `counts`, kept as they are added (a quantile needs it first). */
  total = 0;

  add(bucket: number, count: number): void {
    this.counts[Math.max(0, Math.min(MAX_BUCKET, bucket))]! += count;
    this.total += count;
  }

  /** Adds a histogram as read from storage (`readHistogram`). */
  addStored(stored: StoredHistogram): void {
    for (let i = 0; i < stored.buckets.length; i++) this.add(stored.buckets[i]!, stored.counts[i]!);
  }

  /** Adds every bucket of another histogram. */
  addAll(other: LatencyHistogram): void {
    for (let bucket = 0; bucket <= MAX_BUCKET; bucket++) this.counts[bucket]! += other.counts[bucket]!;
    this.total += other.total;
  }

  toJson(): HistogramJson {
    const out: HistogramJson = {};
    for (const [bucket, count] of this.counts.entries()) if (count > 0) out[String(bucket)] = count;
    return out;
  }

  /**
   * The p-quantile (0..1) in the manner of `percentile_cont`: the value at rank p·(n−1), found in its bucket and
   * interpolated linearly between the bucket's bounds (the bucket's values spread evenly). 0 when empty.
   */
  quantile(p: number): number {
    return this.quantiles([p])[0] ?? 0;
  }

  /** Several quantiles, ascending `ps`, in one pass over the buckets (a report asks for p50, p95 and p99 at once). */
  quantiles(ps: readonly number[]): number[] {
    const out = new Array<number>(ps.length).fill(0);
    if (this.total === 0) return out;
    let next = 0;
    let seen = 0;
    for (let bucket = 0; bucket <= MAX_BUCKET && next < ps.length; bucket++) {
      const count = this.counts[bucket]!;
      if (count === 0) continue;
      while (next < ps.length && ps[next]! * (this.total - 1) < seen + count) {
        const rank = ps[next]! * (this.total - 1);
        const lo = bucketLow(bucket);
        out[next] = bucket === 0 ? 0 : lo + ((rank - seen + 0.5) / count) * (bucketHigh(bucket) - lo);
        next++;
      }
      seen += count;
    }
    for (; next < ps.length; next++) out[next] = bucketHigh(MAX_BUCKET);
    return out;
  }
}

/** A stored sparse histogram as two parallel lists (no array per pair: a run reads tens of thousands of them). */
export interface StoredHistogram {
  buckets: number[];
  counts: number[];
}

/**
 * `{"<bucket>": count}` as parallel lists; an array of them (a dimension's row: several values' histograms,
 * `jsonb_agg`) adds up. Anything malformed is skipped.
 */
export function readHistogram(value: unknown, into: StoredHistogram = { buckets: [], counts: [] }): StoredHistogram {
  if (Array.isArray(value)) {
    for (const h of value) readHistogram(h, into);
    return into;
  }
  if (value === null || typeof value !== 'object') return into;
  const hist = value as Record<string, unknown>;
  // for…in over a parsed JSON object: no intermediate arrays.
  for (const key in hist) {
    const bucket = +key;
    const count = hist[key];
    if (Number.isInteger(bucket) && typeof count === 'number') {
      into.buckets.push(bucket);
      into.counts.push(count);
    }
  }
  return into;
}

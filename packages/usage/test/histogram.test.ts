import { canonicalModel, costOf, histogram, PriceBook } from '@netra/usage';

const { latencyBucket, bucketLow, bucketHigh, LatencyHistogram, readHistogram, MAX_BUCKET } = histogram;

describe('latency histogram', () => {
  it('puts every value in the bucket whose bounds hold it', () => {
    for (const ms of [0, 1, 2, 3, 17, 99, 100, 101, 999, 1_000, 12_345, 600_000, 3_600_000]) {
      const b = latencyBucket(ms);
      if (ms === 0) expect(b).toBe(0);
      else {
        expect(bucketLow(b)).toBeLessThanOrEqual(ms);
        expect(bucketHigh(b)).toBeGreaterThan(ms);
        expect(bucketHigh(b) / bucketLow(b)).toBeLessThanOrEqual(1.0400001);
      }
    }
  });

  it('estimates percentiles within 2% of the exact ones on a heavy-tailed sample', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const values = Array.from({ length: 20_000 }, () => Math.round(800 * Math.exp(0.8 * Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random()))));
    const h = new LatencyHistogram();
    for (const v of values) h.add(latencyBucket(v), 1);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [0.5, 0.95, 0.99]) {
      const rank = p * (sorted.length - 1);
      const exact = sorted[Math.floor(rank)]! + (rank % 1) * (sorted[Math.ceil(rank)]! - sorted[Math.floor(rank)]!);
      expect(Math.abs(h.quantile(p) / exact - 1)).toBeLessThan(0.02);
    }
    const copy = new LatencyHistogram();
    copy.addStored(readHistogram(JSON.parse(JSON.stringify(h.toJson()))));
    expect(copy.counts).toEqual(h.counts);
    expect(new LatencyHistogram().quantile(0.5)).toBe(0);
    // Buckets cover latencies (≤ an hour) and token counts (≤ 10 million) alike.
    expect(latencyBucket(3_600_000)).toBeLessThan(MAX_BUCKET);
    expect(latencyBucket(10_000_000)).toBe(MAX_BUCKET);
    expect(MAX_BUCKET).toBe(411);
  });
});

describe('pricing', () => {
  it('maps dated and prefixed model names to catalog names', () => {
    expect(canonicalModel('gpt-4o-2024-08-06')).toBe('gpt-4o');
    expect(canonicalModel('openai/GPT-4o-mini')).toBe('gpt-4o-mini');
    expect(canonicalModel('claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5');
    const book = new PriceBook([{ provider: 'openai', model: 'gpt-4o', inputPricePerMTok: 2.5, outputPricePerMTok: 10 }]);
    expect(book.find('gpt-4o-2024-11-20')?.model).toBe('gpt-4o');
    expect(book.find('gpt-4')).toBeUndefined();
    expect(costOf({ inputPricePerMTok: 2.5, outputPricePerMTok: 10 }, 1_000_000, 500_000)).toBeCloseTo(7.5, 12);
  });
});

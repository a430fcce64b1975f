import { estimateDistinct, sketchOf, sketchPosition, SKETCH_LENGTH } from '../src/sketch.js';

/** n distinct 64-hex-digit hashes (look-alike on purpose: a counter padded with zeros, as tests and some clients send). */
const hashes = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => (i + offset).toString(16).padStart(64, '0'));

describe('the prompt sketch (PCSA, occupancy estimator)', () => {
  it.each([1, 10, 50, 200, 1_000, 5_000, 20_000, 100_000, 400_000])('estimates %i distinct hashes within the documented bound', (n) => {
    const estimate = estimateDistinct(sketchOf(hashes(n)));
    // docs/ANALYTICS.md: ≤ 5 % of the distinct count from 50 up; below that within a couple of hashes.
    expect(Math.abs(estimate - n)).toBeLessThanOrEqual(Math.max(2, n * 0.05));
  });

  it('counts a hash once however often it is added, and merges by OR', () => {
    const a = hashes(3_000);
    const b = hashes(3_000, 1_500); // 1,500 shared
    const once = estimateDistinct(sketchOf(a));
    expect(estimateDistinct(sketchOf([...a, ...a, ...a]))).toBe(once);
    const sa = sketchOf(a);
    const sb = sketchOf(b);
    const or = Array.from(sa, (bit, i) => (bit === '1' || sb[i] === '1' ? '1' : '0')).join('');
    expect(or).toBe(sketchOf([...a, ...b]));
    expect(Math.abs(estimateDistinct(or) - 4_500)).toBeLessThanOrEqual(4_500 * 0.05);
  });

  it('spreads look-alike hashes over all bitmaps', () => {
    const bitmaps = new Set(hashes(5_000).map((h) => Math.floor(sketchPosition(h) / 32)));
    expect(bitmaps.size).toBeGreaterThan(950);
  });

  it('reads an empty or missing sketch as 0 and refuses a malformed one', () => {
    expect(estimateDistinct(null)).toBe(0);
    expect(estimateDistinct('0'.repeat(SKETCH_LENGTH))).toBe(0);
    expect(() => estimateDistinct('0101')).toThrow(RangeError);
  });
});

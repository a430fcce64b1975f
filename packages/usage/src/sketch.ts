import { createHash } from 'node:crypto';

/**
 * Distinct prompts of any window from per-day sketches: Flajolet–Martin probabilistic counting with stochastic
 * averaging (PCSA), M = 1,024 bitmaps of 32 bits. A prompt hash sets one bit: the first 10 bits of its md5 choose the bitmap,
 * the trailing zeros of the next 32 bits the bit (ingestion computes this in SQL, rollups.ts).
 *
 * Why this sketch and not HyperLogLog from npm: two sketches merge by a bitwise OR, which PostgreSQL does natively
 * on bit strings (`bit(32768)`) — inside the very statement that inserts a batch (`r.prompt_sketch | EXCLUDED.prompt_sketch`)
 * and across a window's days (`bit_or`). HyperLogLog's registers merge by a per-register maximum, which
 * PostgreSQL has no operator for without an extension (postgresql-hll is not in managed databases nor in the
 * official image). Only this estimator is ours, and it is tested against exact counts (docs/ANALYTICS.md).
 *
 * Error: see `estimateDistinct` (≈ 2 % RMS). Small sets never need it: rollups keep up to PROMPT_SET_CAP distinct
 * hashes per row exactly, and a window whose rows all hold their exact set is counted exactly.
 */
export const SKETCH_BITMAPS = 1_024;
export const SKETCH_BITS = 32;
export const SKETCH_LENGTH = SKETCH_BITMAPS * SKETCH_BITS;

/** The bit a prompt hash sets: from the md5 of the hash, as the SQL in rollups.ts computes it. */
export function sketchPosition(hash: string): number {
  const spread = createHash('md5').update(hash).digest('hex');
  const bitmap = Number.parseInt(spread.slice(0, 3), 16) >> 2;
  const word = Number.parseInt(spread.slice(3, 11), 16);
  let zeros = 0;
  while (zeros < SKETCH_BITS - 1 && ((word >>> zeros) & 1) === 0) zeros++;
  return bitmap * SKETCH_BITS + zeros;
}

/** A sketch as a string of '0'/'1' (PostgreSQL's text form of a bit string), bit 0 first. */
export function sketchOf(hashes: Iterable<string>): string {
  const bits = new Uint8Array(SKETCH_LENGTH);
  for (const h of hashes) bits[sketchPosition(h)] = 1;
  return Array.from(bits, (b) => (b ? '1' : '0')).join('');
}

/** Probability that one hash sets bit `rank` of a given bitmap: 1/M × 2^−(rank+1) (the last bit takes the rest). */
const BIT_PROBABILITY = Array.from({ length: SKETCH_BITS }, (_, rank) => (rank < SKETCH_BITS - 1 ? 2 ** -(rank + 1) : 2 ** -(SKETCH_BITS - 1)) / SKETCH_BITMAPS);

/** The expected number of set bits after n distinct hashes. Increasing in n. */
function expectedSetBits(n: number): number {
  let sum = 0;
  for (const p of BIT_PROBABILITY) sum += 1 - Math.exp(n * Math.log1p(-p));
  return sum * SKETCH_BITMAPS;
}

/**
 * The estimated number of distinct hashes in a sketch (its text form): the n whose expected number of set bits
 * equals the observed one (occupancy estimator over all 32,768 bits, solved by bisection on a log scale). It uses
 * every bit, unlike PCSA's classic estimator from the first unset bit of each bitmap, which is far off below ~5,000
 * distinct; measured against exact counts (sketch.test.ts): bias under 1.5 %, RMS error ≤ 2.3 %, worst of 12 trials
 * ≤ 5 % from 50 to 2 million distinct. Empty or missing: 0. A malformed one (wrong length) is refused: an estimate
 * from it would be silently wrong.
 */
export function estimateDistinct(bits: string | null): number {
  if (bits === null || bits.length === 0) return 0;
  if (bits.length !== SKETCH_LENGTH) throw new RangeError(`a prompt sketch has ${SKETCH_LENGTH} bits, not ${bits.length}`);
  let set = 0;
  for (let i = 0; i < SKETCH_LENGTH; i++) if (bits.charCodeAt(i) === 49) set++;
  if (set === 0) return 0;
  let lo = Math.log(set);
  let hi = Math.log(1e13);
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (expectedSetBits(Math.exp(mid)) < set) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

import { hash } from 'node:crypto';

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

/** Distinct prompt hashes kept exactly per rollup row; past this the sketch answers. */
export const PROMPT_SET_CAP = 128;

/** md5 of a client's hash: hashes are client-chosen, and look-alike ones (a padded counter) must spread evenly. */
const spreadOf = (promptHash: string) => hash('md5', promptHash, 'buffer');

/** The bit a prompt hash sets: from the md5 of the hash, as the SQL in rollups.ts computes it. */
export function sketchPosition(hash: string): number {
  return positionOf(spreadOf(hash));
}

function positionOf(spread: Buffer): number {
  // The first 10 bits choose the bitmap; the trailing zeros of the next 32 bits (bits 12..43) the bit.
  const bitmap = spread.readUInt16BE(0) >> 6;
  const word = ((spread.readUInt32BE(1) << 4) | (spread[5]! >> 4)) >>> 0;
  let zeros = 0;
  while (zeros < SKETCH_BITS - 1 && ((word >>> zeros) & 1) === 0) zeros++;
  return bitmap * SKETCH_BITS + zeros;
}

/** The exact-set key of a hash: the first 60 bits of its md5, as a decimal string (a PostgreSQL int8). */
function setKeyOf(spread: Buffer): string {
  return (spread.readBigUInt64BE(0) >> 4n).toString();
}

/** One day × model × app's prompt-hash statistics of a batch, as the write statement takes them (`hashStats`). */
export interface HashStats {
  d: string;
  m: string;
  a: string;
  /** The distinct set keys, or null past PROMPT_SET_CAP. */
  k: string[] | null;
  /** The distinct sketch positions, ascending. */
  q: number[];
}

/** Sets are stored sorted (as PostgreSQL's union sorts them), so the same hashes always store the same array. */
const byNumericValue = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

/** The prompt-hash statistics of a batch per day × model × app (events without a hash are left out). */
export function hashStats(events: readonly { timestamp: string; model: string; app: string; promptHash?: string | undefined }[]): HashStats[] {
  const groups = new Map<string, { d: string; m: string; a: string; keys: Set<string>; positions: Set<number> }>();
  for (const e of events) {
    if (e.promptHash === undefined) continue;
    // The UTC day: read off a `…Z` timestamp directly (the common case), parsed only when it carries an offset.
    const d = e.timestamp.endsWith('Z') ? e.timestamp.slice(0, 10) : new Date(e.timestamp).toISOString().slice(0, 10);
    const id = `${d}\u0000${e.model}\u0000${e.app}`;
    let g = groups.get(id);
    if (!g) {
      g = { d, m: e.model, a: e.app, keys: new Set(), positions: new Set() };
      groups.set(id, g);
    }
    const spread = spreadOf(e.promptHash);
    g.positions.add(positionOf(spread));
    if (g.keys.size <= PROMPT_SET_CAP) g.keys.add(setKeyOf(spread));
  }
  return [...groups.values()].map((g) => ({ d: g.d, m: g.m, a: g.a, k: g.keys.size > PROMPT_SET_CAP ? null : [...g.keys].sort(byNumericValue), q: [...g.positions].sort((x, y) => x - y) }));
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
  return estimateFromSetBits(set);
}

/**
 * `estimateDistinct` from the number of set bits alone — all the estimator needs, so a window's sketch never
 * leaves PostgreSQL: `bit_count(bit_or(prompt_sketch))` is one integer per workload.
 */
export function estimateFromSetBits(set: number): number {
  if (!Number.isInteger(set) || set < 0 || set > SKETCH_LENGTH) throw new RangeError(`a prompt sketch has 0..${SKETCH_LENGTH} set bits, not ${set}`);
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

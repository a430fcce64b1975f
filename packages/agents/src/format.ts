// One formatter for the process: `toLocaleString` with options builds a new Intl.NumberFormat at every call,
// which was a few percent of a worker's CPU per run.
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** How reports and progress lines write amounts: `$1,234.56`. */
export const usd = (n: number): string => `$${money.format(n)}`;

/** A ratio as a percentage with one decimal: `12.3%`. */
export const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

/** A duration people read: "840 ms" under a second, "16.6 s" above. */
export const duration = (ms: number): string => (ms >= 1_000 ? `${(ms / 1_000).toFixed(1)} s` : `${Math.round(ms)} ms`);

/** A ratio for prose: "1.9 %" (one decimal, a space before the sign). */
export const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)} %`;

/** Rounded to `digits` decimals (money in reports: 2). */
export const round = (n: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/**
 * Number formats used everywhere (report, tables, charts, run progress, exports), so every view agrees to the cent
 * and writes one unit style, the one of the reports' own prose: `$1,234.56`, `1,234`, `840 ms` / `16.6 s` /
 * `2 min 5 s`, `1.9 %`, and `—` for a value that is missing (null, not finite, or not measured: no data).
 */

/** What a missing value looks like: never `0 ms` or `0.0 %` for something that was not measured. */
export const NO_VALUE = '—';

type Maybe = number | null | undefined;

function missing(n: Maybe): n is null | undefined {
  return n === null || n === undefined || !Number.isFinite(n);
}

const usdFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const priceFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 });
const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimalFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function usd(n: Maybe): string {
  return missing(n) ? NO_VALUE : usdFmt.format(n);
}

/** A unit price (per 1M tokens, per 1k requests): cents are not enough for `$0.075`. */
export function usdPrice(n: Maybe): string {
  return missing(n) ? NO_VALUE : priceFmt.format(n);
}

export function int(n: Maybe): string {
  return missing(n) ? NO_VALUE : intFmt.format(n);
}

/** A plain number with up to two decimals (`0.87`, `1,234.5`). */
export function decimal(n: Maybe): string {
  return missing(n) ? NO_VALUE : decimalFmt.format(n);
}

/**
 * A duration or a latency, in milliseconds: `840 ms` below a second, `16.6 s` below a minute, `2 min 5 s` above.
 * The one time format of the app (stage timers, tool calls, latencies, chart ticks).
 */
export function duration(msValue: Maybe): string {
  if (missing(msValue)) return NO_VALUE;
  const v = Math.max(0, msValue);
  const rounded = Math.round(v);
  if (rounded < 1000) return `${rounded} ms`;
  const tenths = Math.round(v / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const seconds = Math.round(v / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/**
 * A value already in percent, one decimal, a space before the sign: `1.9 %`. A value that is not zero but would
 * round to `0.0 %` shows as `<0.1 %`, so a rare error is not hidden.
 */
export function pct(n: Maybe, digits = 1): string {
  if (missing(n)) return NO_VALUE;
  const smallest = 10 ** -digits;
  if (n !== 0 && Math.abs(n) < smallest / 2) return `${n < 0 ? '-' : ''}<${smallest.toFixed(digits)} %`;
  // `toFixed` of a tiny negative value gives `-0.0`.
  const text = n.toFixed(digits);
  return `${Number(text) === 0 ? (0).toFixed(digits) : text} %`;
}

/** A ratio 0..1 as a percentage: `0.019` → `1.9 %`. */
export function ratioPct(r: Maybe): string {
  return missing(r) ? NO_VALUE : pct(r * 100);
}

/** A change in percent, with its sign: `+12.5 %`, `-20.0 %`. */
export function signedPct(n: Maybe): string {
  if (missing(n)) return NO_VALUE;
  const text = pct(n);
  return n > 0 ? `+${text}` : text;
}

export function day(iso: string): string {
  return iso.slice(0, 10);
}

/**
 * Latencies of one table column set in one unit: seconds (two decimals) when any of them reaches a second, else
 * whole milliseconds — so a column never mixes `4,184 ms` and `16.6 s`. Returns the unit (for the header) and the
 * formatter.
 */
export function latencyColumns(values: readonly Maybe[]): { unit: 'ms' | 's'; format: (ms: Maybe) => string } {
  const seconds = values.some((v) => !missing(v) && v >= 1000);
  return seconds
    ? { unit: 's', format: (ms) => (missing(ms) ? NO_VALUE : (Math.max(0, ms) / 1000).toFixed(2)) }
    : { unit: 'ms', format: (ms) => (missing(ms) ? NO_VALUE : intFmt.format(Math.round(Math.max(0, ms)))) };
}

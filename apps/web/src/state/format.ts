/** Number formats used everywhere, so the report, the tables and the exports agree to the cent. */

const usdFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function usd(n: number): string {
  return usdFmt.format(n);
}

export function int(n: number): string {
  return intFmt.format(n);
}

export function ms(n: number): string {
  if (n >= 10_000) return `${(n / 1000).toFixed(1)} s`;
  return `${intFmt.format(Math.round(n))} ms`;
}

/** A ratio 0..1 as a percentage. */
export function ratioPct(r: number): string {
  return `${(r * 100).toFixed(2)}%`;
}

/** A value already in percent. */
export function pct(n: number, digits = 1): string {
  return `${n.toFixed(digits)}%`;
}

export function signedPct(n: number): string {
  return `${n > 0 ? '+' : ''}${n.toFixed(1)}%`;
}

export function day(iso: string): string {
  return iso.slice(0, 10);
}

export function duration(msValue: number): string {
  if (msValue < 1000) return `${Math.max(0, Math.round(msValue))} ms`;
  const s = msValue / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

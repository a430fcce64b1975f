/** How reports and progress lines write amounts: `$1,234.56`. */
export const usd = (n: number): string => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** A ratio as a percentage with one decimal: `12.3%`. */
export const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

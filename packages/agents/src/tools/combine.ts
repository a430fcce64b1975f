import type { Recommendation } from '@netra/contracts';

/**
 * What a set of recommendations saves together. Savings of different strategies for the same app overlap — a
 * cached request is not also routed or batched — so they are not added. Per app, recommendations of one strategy
 * touch disjoint traffic (e.g. routing gpt-4o and routing gpt-4o-mini) and add up; different strategies apply in
 * turn to what is left:
 *
 *   remaining(app) = cost(app) × Π over strategies (1 − savings(app, strategy) / cost(app))
 *
 * The result never exceeds the current cost. Recommendations without an app (capacity advice) save nothing.
 */
export function combinedSavings(recommendations: readonly Recommendation[], monthlyCostByApp: ReadonlyMap<string, number>): number {
  const byApp = new Map<string, Map<string, number>>();
  for (const r of recommendations) {
    if (r.app === undefined || r.estimatedMonthlySavingsUsd <= 0) continue;
    const strategies = byApp.get(r.app) ?? new Map<string, number>();
    strategies.set(r.strategy, (strategies.get(r.strategy) ?? 0) + r.estimatedMonthlySavingsUsd);
    byApp.set(r.app, strategies);
  }
  let saved = 0;
  for (const [app, strategies] of byApp) {
    const cost = monthlyCostByApp.get(app) ?? 0;
    if (cost <= 0) continue;
    let remaining = cost;
    for (const savings of strategies.values()) remaining *= 1 - Math.min(1, savings / cost);
    saved += cost - remaining;
  }
  return Math.round(saved * 100) / 100;
}

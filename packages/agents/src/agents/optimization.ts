import type { Recommendation } from '@netra/contracts';
import { OptimizationOutput } from '../schemas.js';
import { upstream, type Agent } from '../types.js';

const DAY_MS = 86_400_000;

/** Scales the window's cost to a 30-day month. */
export function monthly(costUsd: number, window: { from: string; to: string }): number {
  const days = Math.max((Date.parse(window.to) - Date.parse(window.from)) / DAY_MS, 1 / 24);
  return (costUsd / days) * 30;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Ranks strategies by projected monthly savings computed from the data. */
export const optimizationAgent: Agent<'optimization'> = {
  name: 'optimization',
  output: OptimizationOutput,
  input: (ctx) => ({ requests: upstream(ctx, 'optimization', 'data').totals.requests }),
  async run(ctx) {
    const data = upstream(ctx, 'optimization', 'data');
    const monthlyCostUsd = round2(monthly(data.totals.costUsd, data.window));
    const recommendations: Recommendation[] = [];
    if (data.duplicatePrompts.requests > 0) {
      recommendations.push({
        title: 'Cache repeated prompts',
        strategy: 'caching',
        estimatedMonthlySavingsUsd: round2(monthly(data.duplicatePrompts.costUsd, data.window)),
        latencyImpactPct: -round2(data.duplicatePrompts.share * 100),
        qualityRisk: 'none',
        rationale: `${(data.duplicatePrompts.share * 100).toFixed(1)}% of requests repeat an earlier prompt exactly`,
        steps: ['Key a response cache on sha256 of model + normalised prompt', 'Serve hits from the cache with a TTL'],
      });
    }
    recommendations.sort((a, b) => b.estimatedMonthlySavingsUsd - a.estimatedMonthlySavingsUsd);
    const output: OptimizationOutput = { monthlyCostUsd, recommendations };
    const best = recommendations[0];
    const summary = best
      ? `${recommendations.length} strategies; best: ${best.title} (≈ $${best.estimatedMonthlySavingsUsd.toFixed(2)}/month)`
      : 'No savings strategy applies to this data';
    return { output, summary };
  },
};

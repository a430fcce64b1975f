import type { Recommendation } from '@netra/contracts';
import { combinedSavings } from '../src/tools/combine.js';

const rec = (app: string | undefined, strategy: Recommendation['strategy'], savings: number): Recommendation => ({
  title: `${strategy} ${app ?? ''}`,
  strategy,
  ...(app === undefined ? {} : { app }),
  estimatedMonthlySavingsUsd: savings,
  qualityRisk: 'none',
  steps: [],
});

describe('combinedSavings', () => {
  it('adds recommendations of one strategy for an app (disjoint traffic)', () => {
    expect(combinedSavings([rec('chat', 'model_routing', 30), rec('chat', 'model_routing', 20)], new Map([['chat', 100]]))).toBe(50);
  });

  it('applies different strategies in turn instead of adding them', () => {
    // 50% cached, then 40% cheaper routing on the rest: 100 → 50 → 30, i.e. 70 saved (not 90).
    expect(combinedSavings([rec('chat', 'caching', 50), rec('chat', 'model_routing', 40)], new Map([['chat', 100]]))).toBe(70);
  });

  it('never exceeds the cost, and ignores advice without an app or savings', () => {
    const recs = [rec('rag', 'caching', 90), rec('rag', 'batching', 90), rec('rag', 'prompt_trimming', 500), rec(undefined, 'capacity', 0)];
    const saved = combinedSavings(recs, new Map([['rag', 100]]));
    expect(saved).toBeLessThanOrEqual(100);
    expect(saved).toBe(100);
    expect(combinedSavings([rec('rag', 'caching', 10)], new Map())).toBe(0);
  });

  it('sums across apps', () => {
    const costs = new Map([
      ['a', 100],
      ['b', 200],
    ]);
    expect(combinedSavings([rec('a', 'caching', 10), rec('b', 'batching', 100)], costs)).toBe(110);
  });
});

import type { UsageSummary } from '@netra/contracts';
import { costByModel, reportToMarkdown, sortedRecommendations } from '../src/state/report';
import { dailyTotals, seriesByModel } from '../src/state/usage';
import { report } from './fixtures';

describe('the report', () => {
  it('ranks recommendations by monthly savings', () => {
    expect(sortedRecommendations(report).map((r) => r.estimatedMonthlySavingsUsd)).toEqual([60.25, 12.5]);
  });

  it('charts cost by model, most expensive first', () => {
    expect(costByModel(report)).toEqual([
      { model: 'gpt-4o', costUsd: 100, share: 100 / 123.45 },
      { model: 'gpt-4o-mini', costUsd: 23.45, share: 23.45 / 123.45 },
    ]);
  });

  it('exports Markdown with the same numbers the page shows', () => {
    const md = reportToMarkdown(report);
    expect(md).toContain('| 1,200 | $123.45 | 2,100 ms | 1.25% |');
    expect(md).toContain('| 1 | Route simple prompts to mini | model routing | $60.25 | -20.0% | low |');
    expect(md.indexOf('Route simple prompts')).toBeLessThan(md.indexOf('Cache repeated prompts'));
    expect(md).toContain('1. **Add routing rule** (routing rule) — Route | short prompts');
    expect(md).toContain('| Monthly cost | 123.45 | 50.7 | USD |');
    expect(md).toContain('saving $72.75 (58.9%)');
  });
});

describe('usage chart series', () => {
  const summary: UsageSummary = {
    window: { from: '2025-01-01T00:00:00.000Z', to: '2025-01-05T00:00:00.000Z' },
    totals: { requests: 6, promptTokens: 0, completionTokens: 0, costUsd: 6, errorRate: 0, p50LatencyMs: 0, p95LatencyMs: 0, p99LatencyMs: 0 },
    byModel: [],
    byApp: [],
    byDay: [
      { day: '2025-01-01', requests: 3, costUsd: 3, p95LatencyMs: 100, errorRate: 0 },
      { day: '2025-01-03', requests: 3, costUsd: 3, p95LatencyMs: 100, errorRate: 0 },
    ],
    byDayAndModel: [
      { day: '2025-01-01', model: 'cheap', requests: 2, costUsd: 0.5, p95LatencyMs: 90 },
      { day: '2025-01-01', model: 'pricey', requests: 1, costUsd: 2.5, p95LatencyMs: 300 },
      { day: '2025-01-03', model: 'pricey', requests: 2, costUsd: 3, p95LatencyMs: 320 },
      { day: '2025-01-03', model: 'rare', requests: 1, costUsd: 0.01, p95LatencyMs: 50 },
    ],
  };

  it('fills missing days with gaps and orders models by cost', () => {
    const s = seriesByModel(summary, 'costUsd');
    expect(s.days).toEqual(['2025-01-01', '2025-01-02', '2025-01-03']);
    expect(s.series.map((x) => x.model)).toEqual(['pricey', 'cheap', 'rare']);
    expect(s.series[0]?.values).toEqual([2.5, null, 3]);
    expect(s.series[1]?.values).toEqual([0.5, null, null]);
  });

  it('folds the tail into "other" for sums, and leaves it out for p95', () => {
    expect(seriesByModel(summary, 'requests', 1).series).toEqual([
      { model: 'pricey', values: [1, null, 2] },
      { model: 'other', values: [2, null, 1] },
    ]);
    expect(seriesByModel(summary, 'p95LatencyMs', 1).series.map((x) => x.model)).toEqual(['pricey']);
  });

  it('aligns daily totals with the days', () => {
    expect(dailyTotals(summary, ['2025-01-01', '2025-01-02', '2025-01-03'])).toEqual({ costUsd: [3, null, 3], requests: [3, null, 3] });
  });
});

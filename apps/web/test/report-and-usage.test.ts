import type { UsageSummary } from '@netra/contracts';
import { decimal, duration, int, NO_VALUE, pct, ratioPct, signedPct, usd, usdPrice } from '../src/state/format';
import {
  comparisonCells,
  costByModel,
  currentStats,
  findingValue,
  forecastLines,
  INTENT_LABEL,
  kpiValue,
  minorSummary,
  periodComparison,
  QUALITY_RISK_LABEL,
  reportToMarkdown,
  scopeText,
  sortedMinorRecommendations,
  sortedRecommendations,
  STRATEGY_LABEL,
  unknownNames,
} from '../src/state/report';
import { dailyTotals, seriesByApp, seriesByModel } from '../src/state/usage';
import { emptyReport, fullReport, report } from './fixtures';

describe('number formats', () => {
  it('writes durations in ms below a second, in seconds with one decimal above, in minutes past a minute', () => {
    expect(duration(0)).toBe('0 ms');
    expect(duration(840)).toBe('840 ms');
    expect(duration(999.4)).toBe('999 ms');
    // Rounds into the next unit rather than showing "1000 ms" or "60.0 s".
    expect(duration(999.6)).toBe('1.0 s');
    expect(duration(2100)).toBe('2.1 s');
    expect(duration(16_600)).toBe('16.6 s');
    expect(duration(59_970)).toBe('1 min 0 s');
    expect(duration(125_000)).toBe('2 min 5 s');
    expect(duration(-5)).toBe('0 ms');
  });

  it('writes percentages with one decimal, never hiding a small non-zero rate', () => {
    expect(pct(58.9)).toBe('58.9 %');
    expect(ratioPct(0.019)).toBe('1.9 %');
    expect(ratioPct(0.0125)).toBe('1.3 %');
    expect(ratioPct(0)).toBe('0.0 %');
    expect(ratioPct(0.0004)).toBe('<0.1 %');
    expect(pct(-0.01)).toBe('-<0.1 %');
    expect(signedPct(12.5)).toBe('+12.5 %');
    expect(signedPct(-20)).toBe('-20.0 %');
    expect(signedPct(0)).toBe('0.0 %');
  });

  it('writes a dash, not a zero, for a value that is missing', () => {
    for (const f of [usd, usdPrice, int, decimal, duration, pct, ratioPct, signedPct]) {
      expect(f(null)).toBe(NO_VALUE);
      expect(f(undefined)).toBe(NO_VALUE);
      expect(f(Number.NaN)).toBe(NO_VALUE);
    }
    expect(usd(1234.5)).toBe('$1,234.50');
    expect(usdPrice(0.075)).toBe('$0.075');
    expect(usdPrice(2.5)).toBe('$2.50');
    expect(int(1234.4)).toBe('1,234');
    expect(decimal(0.914)).toBe('0.91');
  });
});

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
    expect(md).toContain('| 1,200 | $123.45 | 2.1 s | 1.3 % |');
    expect(md).toContain('| gpt-4o-mini | 900 | $23.45 | 900 ms |');
    expect(md).toContain('| 1 | Route simple prompts to mini | all apps | model routing | $60.25 | -20.0 % | low |');
    expect(md.indexOf('Route simple prompts')).toBeLessThan(md.indexOf('Cache repeated prompts'));
    expect(md).toContain('1. **Add routing rule** (routing rule) — Route | short prompts');
    expect(md).toContain('| Monthly cost | $123.45 | $50.70 |');
    expect(md).toContain('saving $72.75 (58.9 %)');
    // Parts this report does not have are left out.
    for (const heading of ['## Findings', '## Model comparison', '## Forecast', 'minor item', 'About:', 'previous period', ' → ']) expect(md).not.toContain(heading);
  });

  it('exports the scope, findings, comparison, forecast, assumptions and minor items', () => {
    const md = reportToMarkdown(fullReport);
    expect(md).toContain('intent: forecast');
    expect(md).toContain('About: support-chat · provider: openai · gpt-4o · team: search');
    expect(md).toContain('No data for: gpt-9.');
    // The previous period, right after the current state it is compared with.
    const periods = [
      'Compared with the previous period (2024-12-02 – 2025-01-01):',
      '',
      '| | previous → current | change |',
      '|---|---:|---:|',
      '| Requests | 1,000 → 1,200 | +20.0 % |',
      '| Total cost | $100.00 → $123.45 | +23.5 % |',
      '| p95 latency | 840 ms → 2.1 s | +150.0 % |',
      '| Error rate | 1.9 % → 1.3 % | -34.2 % |',
    ].join('\n');
    expect(md).toContain(`| 1,200 | $123.45 | 2.1 s | 1.3 % |\n\n${periods}\n\n| model | requests | cost | p95 latency |`);
    expect(md).toContain('- **p95 latency**: 16.6 s (gpt-4o) — Slowest 5% of requests.');
    expect(md).toContain('- **Error rate**: 1.9 % (team: search) — Failed requests.');
    expect(md).toContain('| gpt-4o | 300 | $100.00 | $333.3333 | 840 ms | 2.5 s | 1.3 % | 0.91 | $2.50 / $10.00 |');
    expect(md).toContain('| claude-3-5-haiku (catalog only) | — | — | — | — | — | — | — | $0.80 / $4.00 |');
    expect(md).toContain('- Next 30 days: $120.00 → $135.00 (+12.5 %), likely $125.00–$145.00');
    expect(md).toContain('| Switch support-chat from gpt-4o to claude-3-5-haiku | support-chat · gpt-4o | model routing | $30.00 | — | unverified — shadow-test first |');
    expect(md).toContain('Assumes:\n\n- Quality holds on a shadow test\n- 80% of traffic can move');
    expect(md).toContain('| output cap |');
    expect(md).toContain('### 2 minor items (under $1.00/month)');
    expect(md.indexOf('Retry less on 429')).toBeLessThan(md.indexOf('Stream long answers'));
  });

  it('shows dashes, not zeros, for a report without data', () => {
    expect(currentStats(emptyReport)).toEqual({ requests: NO_VALUE, cost: NO_VALUE, p95: NO_VALUE, errorRate: NO_VALUE });
    expect(currentStats(report)).toEqual({ requests: '1,200', cost: '$123.45', p95: '2.1 s', errorRate: '1.3 %' });
    const md = reportToMarkdown(emptyReport);
    expect(md).toContain('| — | — | — | — |');
    expect(md).not.toMatch(/\b0 ms\b|0\.0+ ?%/);
    expect(md).toContain('| Usage events received | 0 events | — |');
  });

  it('formats each finding in its unit', () => {
    expect(fullReport.findings.map(findingValue)).toEqual(['$1,234.50/month', '16.6 s', '1.9 %', '85 req/min', '+12.5 %']);
    expect(findingValue({ metric: 'requests', unit: 'requests', value: 1200 })).toBe('1,200 requests');
    expect(findingValue({ metric: 'promptTokens', unit: 'tokens', value: 12_345 })).toBe('12,345 tokens');
    expect(findingValue({ metric: 'generationMsPerToken', unit: 'ms', value: 8.25 })).toBe('8.3 ms/token');
    expect(findingValue({ metric: 'costShare', unit: 'ratio', value: 0.42 })).toBe('42.0 %');
  });

  it('compares the report’s period with the previous one, figure by figure', () => {
    expect(periodComparison(fullReport)).toEqual({
      previousWindow: '2024-12-02 – 2025-01-01',
      currentWindow: '2025-01-01 – 2025-01-31',
      rows: [
        { metric: 'requests', label: 'Requests', previous: '1,000', current: '1,200', changePct: 20, change: '+20.0 %', text: '1,000 → 1,200 (+20.0 %)' },
        { metric: 'cost', label: 'Total cost', previous: '$100.00', current: '$123.45', changePct: expect.closeTo(23.45, 6), change: '+23.5 %', text: '$100.00 → $123.45 (+23.5 %)' },
        { metric: 'p95', label: 'p95 latency', previous: '840 ms', current: '2.1 s', changePct: 150, change: '+150.0 %', text: '840 ms → 2.1 s (+150.0 %)' },
        { metric: 'errorRate', label: 'Error rate', previous: '1.9 %', current: '1.3 %', changePct: expect.closeTo(-34.21, 2), change: '-34.2 %', text: '1.9 % → 1.3 % (-34.2 %)' },
      ],
    });
    // The brief's own example: $41.20 → $47.90 is +16.3 %.
    const previousPeriod = { window: fullReport.window, requests: 1500, totalCostUsd: 41.2, p95LatencyMs: 2874, errorRate: 0 };
    const weekly = periodComparison({ ...report, currentState: { ...report.currentState, totalCostUsd: 47.9, errorRate: 0 }, previousPeriod });
    expect(weekly?.rows.map((r) => r.text)).toEqual(['1,500 → 1,200 (-20.0 %)', '$41.20 → $47.90 (+16.3 %)', '2.9 s → 2.1 s (-26.9 %)', '0.0 % → 0.0 % (0.0 %)']);
    // From a zero rate there is no percentage.
    const fromZero = periodComparison({ ...report, previousPeriod });
    expect(fromZero?.rows[3]).toMatchObject({ previous: '0.0 %', current: '1.3 %', changePct: null, text: '0.0 % → 1.3 % (—)' });
    expect(periodComparison(report)).toBeNull();
  });

  it('shows dashes for a compared period that has no data', () => {
    const previousPeriod = fullReport.previousPeriod;
    // Nothing measured now: the previous figures stay, the current ones and the changes are dashes.
    const nowEmpty = periodComparison({ ...emptyReport, previousPeriod });
    expect(nowEmpty?.rows.map((r) => r.text)).toEqual(['1,000 → — (—)', '$100.00 → — (—)', '840 ms → — (—)', '1.9 % → — (—)']);
    expect(nowEmpty?.rows.every((r) => r.changePct === null)).toBe(true);
    // No request in the previous period: its zeros were not measured.
    const before = { window: fullReport.window, requests: 0, totalCostUsd: 0, p95LatencyMs: 0, errorRate: 0 };
    const thenEmpty = periodComparison({ ...report, previousPeriod: before });
    expect(thenEmpty?.rows.map((r) => r.text)).toEqual(['— → 1,200 (—)', '— → $123.45 (—)', '— → 2.1 s (—)', '— → 1.3 % (—)']);
    const md = reportToMarkdown({ ...emptyReport, previousPeriod: before });
    expect(md).toContain('| Requests | — → — | — |');
    expect(md).not.toMatch(/\b0 ms\b|0\.0+ ?%/);
  });

  it('names the providers the question was about', () => {
    const scope = { apps: [], models: ['claude-3-5-haiku', 'claude-3-5-sonnet'], dimensions: {}, providers: ['anthropic'] };
    expect(scopeText(scope)).toBe('provider: anthropic · claude-3-5-haiku · claude-3-5-sonnet');
    expect(scopeText({ apps: ['support-chat'], models: [], dimensions: {}, providers: ['anthropic', 'openai'] })).toBe('support-chat · providers: anthropic, openai');
    // A provider without models in the workspace is still what the question was about.
    expect(scopeText({ apps: [], models: [], dimensions: {}, providers: ['mistral'] })).toBe('provider: mistral');
    expect(scopeText({ apps: [], models: [], dimensions: {}, providers: [' ', ''] })).toBeNull();
    expect(reportToMarkdown({ ...report, scope })).toContain('\n\nAbout: provider: anthropic · claude-3-5-haiku · claude-3-5-sonnet\n\n');
  });

  it('says what the question was about, and which names have no data', () => {
    expect(scopeText(fullReport.scope)).toBe('support-chat · provider: openai · gpt-4o · team: search');
    expect(scopeText({ apps: [], models: [], dimensions: { team: [] } })).toBeNull();
    expect(scopeText(undefined)).toBeNull();
    expect(unknownNames(fullReport.scope)).toEqual(['gpt-9']);
    expect(unknownNames({ apps: [], models: [], dimensions: {} })).toEqual([]);
  });

  it('summarises the minor recommendations under the plan’s bar', () => {
    expect(sortedMinorRecommendations(fullReport).map((r) => r.title)).toEqual(['Retry less on 429', 'Stream long answers']);
    // max($1, 0.5 % of $123.45/month) = $1.
    expect(minorSummary(fullReport)).toBe('2 minor items (under $1.00/month)');
    // 0.5 % of $1,000/month = $5.
    expect(minorSummary({ ...fullReport, projected: { monthlyCostUsd: 900, monthlySavingsUsd: 100, savingsPct: 10 } })).toBe('2 minor items (under $5.00/month)');
    // Without a projection (or with an item above the computed bar) the largest item is given instead.
    expect(minorSummary({ ...fullReport, projected: undefined })).toBe('2 minor items (up to $0.40/month each)');
    expect(minorSummary(report)).toBeNull();
  });

  it('labels every intent, strategy and quality risk, including the new ones', () => {
    expect(INTENT_LABEL.error_analysis).toBe('error analysis');
    expect(INTENT_LABEL.forecast).toBe('forecast');
    expect([STRATEGY_LABEL.output_cap, STRATEGY_LABEL.streaming, STRATEGY_LABEL.retry_reduction]).toEqual(['output cap', 'streaming', 'retry reduction']);
    expect(STRATEGY_LABEL.prompt_caching).toBe('provider prompt caching');
    expect(QUALITY_RISK_LABEL.unverified).toBe('unverified — shadow-test first');
  });

  it('shows a comparison row, the forecast and KPIs with one unit style', () => {
    const [inData, catalog] = fullReport.comparison ?? [];
    if (!inData || !catalog) throw new Error('no comparison');
    expect(comparisonCells(inData)).toEqual({
      requests: '300',
      cost: '$100.00',
      costPer1k: '$333.3333',
      p50: '840 ms',
      p95: '2.5 s',
      errorRate: '1.3 %',
      quality: '0.91',
      prices: '$2.50 / $10.00',
    });
    expect(Object.values(comparisonCells(catalog)).slice(0, 7)).toEqual(Array(7).fill(NO_VALUE));
    expect(forecastLines(fullReport)).toEqual([
      'Next 30 days: $120.00 → $135.00 (+12.5 %), likely $125.00–$145.00',
      'With +50.0 % traffic: $202.50',
      'After the plan: $150.00',
    ]);
    expect(forecastLines(report)).toEqual([]);
    expect([kpiValue(2874, 'ms'), kpiValue(0.0125, 'ratio'), kpiValue(50.7, 'USD'), kpiValue(null, 'ms'), kpiValue(3, 'events')]).toEqual([
      '2.9 s',
      '1.3 %',
      '$50.70',
      NO_VALUE,
      '3 events',
    ]);
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
    byDayAndApp: [
      { day: '2025-01-01', app: 'bot', requests: 3, costUsd: 3, p95LatencyMs: 300 },
      { day: '2025-01-03', app: 'bot', requests: 1, costUsd: 1, p95LatencyMs: 320 },
      { day: '2025-01-03', app: 'search', requests: 2, costUsd: 2, p95LatencyMs: 90 },
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

  it('draws the same series per app', () => {
    const s = seriesByApp(summary, 'costUsd');
    expect(s.days).toEqual(['2025-01-01', '2025-01-02', '2025-01-03']);
    expect(s.series).toEqual([
      { model: 'bot', values: [3, null, 1] },
      { model: 'search', values: [null, null, 2] },
    ]);
  });

  it('aligns daily totals with the days', () => {
    expect(dailyTotals(summary, ['2025-01-01', '2025-01-02', '2025-01-03'])).toEqual({ costUsd: [3, null, 3], requests: [3, null, 3] });
  });
});

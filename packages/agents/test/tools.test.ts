import type { ModelCatalogEntry } from '@netra/contracts';
import { tools, triageByRules } from '@netra/agents';

const entry = (model: string, input: number, output: number, quality: number, latency: number | null, context = 128_000): ModelCatalogEntry => ({
  id: `00000000-0000-4000-8000-${model.length.toString().padStart(4, '0')}${Math.round(input * 1000).toString().padStart(8, '0')}`,
  provider: 'p',
  model,
  inputPricePerMTok: input,
  outputPricePerMTok: output,
  qualityScore: quality,
  contextWindow: context,
  typicalLatencyMs: latency,
  updatedAt: '2026-01-01T00:00:00.000Z',
});

const catalog = [
  entry('big', 2.5, 10, 82, 3_000),
  entry('mid', 0.4, 1.6, 80, 2_000),
  entry('small', 0.15, 0.6, 72, 1_500),
  entry('slow-cheap', 0.1, 0.1, 90, 20_000),
  entry('tiny-context', 0.01, 0.01, 95, 500, 1_000),
];

const workload = { app: 'chat', model: 'big', requests: 1_000, promptTokens: 1_000_000, completionTokens: 300_000, costUsd: 5.5, p95LatencyMs: 2_000 };

describe('routing simulation', () => {
  it('picks the cheapest model meeting the quality floor, latency ceiling and context', () => {
    const [option] = tools.simulateRouting([workload], catalog);
    // Default floor 82 − 3 = 79 and ceiling 3,000 · 1.25: "mid" (slow-cheap is too slow, tiny-context too small).
    expect(option).toMatchObject({ toModel: 'mid', qualityFloor: 79, latencyCeilingMs: 3_750 });
    expect(option?.projectedCostUsd).toBeCloseTo((1_000_000 * 0.4 + 300_000 * 1.6) / 1e6, 12);
    expect(option?.savingsUsd).toBeCloseTo(5.5 - 0.88, 12);
  });

  it('follows the user\'s constraints', () => {
    expect(tools.simulateRouting([workload], catalog, { minQuality: 70 })[0]?.toModel).toBe('small');
    expect(tools.simulateRouting([workload], catalog, { maxLatencyMs: 60_000 })[0]?.toModel).toBe('slow-cheap');
    expect(tools.simulateRouting([workload], catalog, { minQuality: 99 })).toEqual([]);
  });

  it('skips models outside the catalog and changes that save too little', () => {
    expect(tools.simulateRouting([{ ...workload, model: 'unknown' }], catalog)).toEqual([]);
    expect(tools.simulateRouting([{ ...workload, costUsd: 0.9 }], catalog)).toEqual([]);
  });
});

describe('anomaly detection', () => {
  const day = (i: number, requests: number, errorRate = 0.01) => ({
    day: new Date(Date.UTC(2026, 9, 1) + i * 86_400_000).toISOString().slice(0, 10),
    requests,
    costUsd: requests / 100,
    p95LatencyMs: 1_000 + (i % 3) * 20,
    errorRate,
  });

  it('flags a day far from the trend and leaves a noisy but steady series alone', () => {
    const series = Array.from({ length: 21 }, (_, i) => day(i, 1_000 + ((i * 37) % 60)));
    expect(tools.detectAnomalies(series)).toEqual([]);
    series[10] = day(10, 3_100);
    series[15] = day(15, 1_010, 0.3);
    const found = tools.detectAnomalies(series);
    expect(found.map((a) => `${a.day}:${a.metric}`).sort()).toEqual([`${series[10]!.day}:costUsd`, `${series[10]!.day}:requests`, `${series[15]!.day}:errorRate`].sort());
  });

  it('needs a week of data', () => {
    expect(tools.detectAnomalies([day(0, 1), day(1, 100)])).toEqual([]);
  });
});

describe('growth what-if and monthly figures', () => {
  it('scales cost and peaks, and measures headroom against a stated limit', () => {
    const g = tools.growthWhatIf(100, 300, [{ model: 'big', peakRpm: 40, peakTpm: 50_000 }], 100);
    expect(g).toMatchObject({ projectedMonthlyCostUsd: 600, byModel: [{ projectedPeakRpm: 80, projectedPeakTpm: 100_000, rpmHeadroomPct: 20 }] });
    expect(tools.growthWhatIf(50, 300, [{ model: 'big', peakRpm: 40, peakTpm: 1 }]).byModel[0]?.rpmHeadroomPct).toBeNull();
  });

  it('counts partial days at the window edges by the fraction they cover', () => {
    const window = { from: '2026-10-01T12:00:00.000Z', to: '2026-10-04T06:00:00.000Z' };
    expect(tools.observedDays([{ day: '2026-10-01' }, { day: '2026-10-02' }, { day: '2026-10-03' }, { day: '2026-10-04' }], window)).toBeCloseTo(2.75, 10);
    expect(tools.perMonth(70, 7)).toBeCloseTo(300, 10);
  });
});

describe('triage rules for follow-ups', () => {
  const now = new Date('2026-11-27T12:00:00.000Z');
  const previous = { intent: 'cost_optimization', window: { from: '2026-11-20T00:00:00.000Z', to: '2026-11-27T00:00:00.000Z' } };

  it('keeps the previous window and analysis for "and what if traffic doubles?"', () => {
    const out = triageByRules('and what if traffic doubles?', now, previous as never);
    expect(out).toMatchObject({ intent: 'workload_analysis', growthPct: 100, window: previous.window, followUp: true });
  });

  it('reads limits, budgets and latency ceilings', () => {
    const out = triageByRules('keep p95 under 800 ms, budget $5,000/month, our limit is 10,000 RPM', now, null);
    expect(out.constraints).toEqual({ maxLatencyMs: 800, monthlyBudgetUsd: 5_000, rateLimitRpm: 10_000 });
  });
});

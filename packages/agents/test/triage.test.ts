import { classify, parseWindow } from '@netra/agents';

const now = new Date('2026-11-27T12:00:00.000Z');

describe('triage rules', () => {
  it.each([
    ['How can I cut my LLM spend?', 'cost_optimization'],
    ['Our p95 latency is too slow', 'latency_optimization'],
    ['Which model should we switch to?', 'model_selection'],
    ['What if traffic doubles next month?', 'workload_analysis'],
    ['hello there', 'general'],
  ])('classifies %j as %s', (text, intent) => {
    expect(classify(text)).toBe(intent);
  });

  it('reads the time window from the request, defaulting to 30 days', () => {
    expect(parseWindow('costs over the last 7 days', now)).toEqual({ from: '2026-11-20T12:00:00.000Z', to: now.toISOString() });
    expect(parseWindow('past 2 weeks', now).from).toBe('2026-11-13T12:00:00.000Z');
    expect(parseWindow('anything', now).from).toBe('2026-10-28T12:00:00.000Z');
    expect(parseWindow('last 5000 days', now).from).toBe(new Date(now.getTime() - 366 * 86_400_000).toISOString());
  });
});

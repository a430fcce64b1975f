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

  it('reads the time window from the request as whole UTC days, today included, defaulting to 30', () => {
    // The last 7 days at noon on the 27th: the 21st 00:00 to the 28th 00:00 (today's part holds what happened by now).
    expect(parseWindow('costs over the last 7 days', now)).toEqual({ from: '2026-11-21T00:00:00.000Z', to: '2026-11-28T00:00:00.000Z' });
    expect(parseWindow('past 2 weeks', now).from).toBe('2026-11-14T00:00:00.000Z');
    expect(parseWindow('anything', now)).toEqual({ from: '2026-10-29T00:00:00.000Z', to: '2026-11-28T00:00:00.000Z' });
    expect(parseWindow('last 5000 days', now).from).toBe(new Date(Date.parse('2026-11-28T00:00:00.000Z') - 366 * 86_400_000).toISOString());
    // At midnight sharp the new day is today.
    expect(parseWindow('last day', new Date('2026-11-28T00:00:00.000Z'))).toEqual({ from: '2026-11-28T00:00:00.000Z', to: '2026-11-29T00:00:00.000Z' });
  });
});

import { anomalyOf, syntheticEvents, syntheticWindow, SYNTHETIC_APPS, validateEvent } from '@netra/usage';

const now = new Date('2026-11-27T15:00:00.000Z');

describe('synthetic workload', () => {
  it('is deterministic: same options, same events; another seed, other events', () => {
    const a = [...syntheticEvents({ days: 3, requestsPerDay: 200, seed: 1, now })];
    const b = [...syntheticEvents({ days: 3, requestsPerDay: 200, seed: 1, now })];
    const c = [...syntheticEvents({ days: 3, requestsPerDay: 200, seed: 2, now })];
    expect(b).toEqual(a);
    expect(c.map((e) => e.latencyMs)).not.toEqual(a.map((e) => e.latencyMs));
  });

  it('gives a calendar day the same events whenever it is generated, so re-runs dedupe', () => {
    const today = [...syntheticEvents({ days: 5, requestsPerDay: 100, seed: 9, now })];
    const tomorrow = [...syntheticEvents({ days: 5, requestsPerDay: 100, seed: 9, now: new Date(now.getTime() + 86_400_000) })];
    const ids = new Set(today.map((e) => e.id));
    const overlap = tomorrow.filter((e) => ids.has(e.id));
    expect(overlap.length).toBeGreaterThan(tomorrow.length / 2);
    const byId = new Map(today.map((e) => [e.id, e]));
    for (const e of overlap) expect(e).toEqual(byId.get(e.id));
  });

  it('stays inside its window, validates, and has a realistic mix', () => {
    const window = syntheticWindow({ days: 30, now });
    expect(window).toEqual({ from: '2026-10-28T00:00:00.000Z', to: '2026-11-27T00:00:00.000Z' });
    const events = [...syntheticEvents({ days: 30, requestsPerDay: 300, seed: 42, now })];
    for (const e of events) {
      expect(e.timestamp >= window.from && e.timestamp < window.to).toBe(true);
      expect(validateEvent(e).ok).toBe(true);
    }
    expect(new Set(events.map((e) => e.app))).toEqual(new Set(SYNTHETIC_APPS.map((a) => a.app)));
    const errors = events.filter((e) => e.status === 'error').length / events.length;
    expect(errors).toBeGreaterThan(0.005);
    expect(errors).toBeLessThan(0.1);
    const hashes = new Map<string, number>();
    for (const e of events) hashes.set(e.promptHash!, (hashes.get(e.promptHash!) ?? 0) + 1);
    const repeats = events.length - hashes.size;
    expect(repeats / events.length).toBeGreaterThan(0.05);
    // Heavy tail: p99 far above the median.
    const latencies = events.map((e) => e.latencyMs).sort((x, y) => x - y);
    expect(latencies[Math.floor(latencies.length * 0.99)]!).toBeGreaterThan(3 * latencies[Math.floor(latencies.length / 2)]!);
    // Batch work happens at night.
    const batch = events.filter((e) => e.app === 'nightly-batch');
    expect(batch.every((e) => ['01', '02', '03'].includes(e.timestamp.slice(11, 13)))).toBe(true);
  });

  it('has a few anomalous days', () => {
    const days = Array.from({ length: 120 }, (_, i) => new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));
    const anomalies = days.map((d) => anomalyOf(42, d)).filter((a) => a !== null);
    expect(anomalies.length).toBeGreaterThan(3);
    expect(anomalies.length).toBeLessThan(25);
  });
});

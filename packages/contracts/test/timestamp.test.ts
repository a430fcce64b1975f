import { normalizeUsageTimestamp, USAGE_TIMESTAMP_FORMS, UsageEventInput } from '@netra/contracts';

const base = { id: 'a', app: 'chat', model: 'gpt-4o', promptTokens: 1, completionTokens: 2, latencyMs: 3, status: 'ok' };

describe('usage timestamps', () => {
  it.each([
    ['2026-11-21T10:05:00Z', '2026-11-21T10:05:00.000Z'],
    ['2026-11-21 10:05:00', '2026-11-21T10:05:00.000Z'],
    ['2026-11-21T10:05', '2026-11-21T10:05:00.000Z'],
    ['2026-11-21 10:05:00.25+01:00', '2026-11-21T09:05:00.250Z'],
    ['2026-11-21T10:05:00-0530', '2026-11-21T15:35:00.000Z'],
    ['2026-11-21T10:05:00+02', '2026-11-21T08:05:00.000Z'],
    ['2026-11-21T10:05:00.123456789Z', '2026-11-21T10:05:00.123Z'],
    ['1763719500', '2025-11-21T10:05:00.000Z'],
    ['1763719500000', '2025-11-21T10:05:00.000Z'],
    [1763719500, '2025-11-21T10:05:00.000Z'],
    [1763719500.5, '2025-11-21T10:05:00.500Z'],
    [1763719500123, '2025-11-21T10:05:00.123Z'],
  ])('reads %j as %s', (input, iso) => {
    expect(normalizeUsageTimestamp(input)).toBe(iso);
    expect(UsageEventInput.parse({ ...base, timestamp: input }).timestamp).toBe(iso);
  });

  it.each(['2026-11-21 10:05:00' + ' '.repeat(60) + 'x', '2027-02-29T10:00:00.000Z', '21/11/2026 10:05', '2026-02-30T10:00:00Z', '2026-11-21T24:00:00Z', '2026-11-21', 'yesterday', '', '-5', '2026-11-21T10:05:00+25:00'])(
    'refuses %j and names the accepted forms',
    (input) => {
      expect(normalizeUsageTimestamp(input)).toBeUndefined();
      const parsed = UsageEventInput.safeParse({ ...base, timestamp: input });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toContain(USAGE_TIMESTAMP_FORMS);
    },
  );

  it('checks leap years and the fields of the toISOString() form', () => {
    expect(normalizeUsageTimestamp('2028-02-29T10:00:00.000Z')).toBe('2028-02-29T10:00:00.000Z');
    expect(normalizeUsageTimestamp('2000-02-29 10:00')).toBe('2000-02-29T10:00:00.000Z');
    for (const bad of ['1900-02-29T10:00:00.000Z', '2026-13-01T10:00:00.000Z', '2026-11-21T10:60:00.000Z', '2026-11-00T10:00:00.000Z']) {
      expect(normalizeUsageTimestamp(bad)).toBeUndefined();
    }
  });

  it('refuses what is neither a string nor a number', () => {
    for (const bad of [null, true, {}, ['2026-11-21T10:05:00Z']]) expect(UsageEventInput.safeParse({ ...base, timestamp: bad }).success).toBe(false);
    // Nor a string longer than any of the forms (surrounding spaces are trimmed, but not without bound).
    expect(UsageEventInput.safeParse({ ...base, timestamp: `2026-11-21T10:05:00.000Z${' '.repeat(50)}` }).success).toBe(false);
  });

  it('refuses zero, negative and non-finite epochs', () => {
    for (const n of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e17]) expect(normalizeUsageTimestamp(n)).toBeUndefined();
  });
});

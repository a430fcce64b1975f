import { z } from 'zod';
import { backoffDelay, checkJson, parseRetryAfter, repairJson } from '@netra/llm';

describe('repairJson', () => {
  it.each([
    ['{"a": 1}', { a: 1 }],
    ['```json\n{"a": 1}\n```', { a: 1 }],
    ['Sure! Here it is:\n```\n{"a": [1, 2,], "b": {"c": 3,},}\n```\nAnything else?', { a: [1, 2], b: { c: 3 } }],
    ['The answer is {"a": "x, y"} as requested', { a: 'x, y' }],
  ])('reads %j', (text, expected) => {
    expect(repairJson(text)).toEqual(expected);
  });

  it('throws when there is no JSON to be had', () => {
    expect(() => repairJson('I cannot help with that')).toThrow();
    expect(() => repairJson('{"a": ')).toThrow();
  });

  it('checks against a schema and says what is wrong', () => {
    const schema = z.object({ intent: z.enum(['cost', 'latency']) });
    expect(checkJson('{"intent": "cost"}', schema)).toEqual({ ok: true, value: { intent: 'cost' } });
    const bad = checkJson('{"intent": "speed"}', schema);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problem).toMatch(/^intent:/);
  });
});

describe('retry policy', () => {
  it('backs off exponentially with full jitter, capped', () => {
    expect(backoffDelay(1, { baseMs: 100, maxMs: 1_000 }, undefined, () => 0.999)).toBe(100);
    expect(backoffDelay(3, { baseMs: 100, maxMs: 1_000 }, undefined, () => 0.999)).toBe(400);
    expect(backoffDelay(10, { baseMs: 100, maxMs: 1_000 }, undefined, () => 0.999)).toBe(999);
    expect(backoffDelay(3, { baseMs: 100 }, undefined, () => 0)).toBe(0);
  });

  it('waits at least what the server asks for', () => {
    expect(backoffDelay(1, { baseMs: 100 }, 2_000, () => 0.5)).toBe(2_000);
  });

  it('parses retry-after-ms, retry-after seconds and HTTP dates', () => {
    const h = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });
    expect(parseRetryAfter(h({ 'retry-after-ms': '250' }))).toBe(250);
    expect(parseRetryAfter(h({ 'retry-after': '1.5' }))).toBe(1_500);
    expect(parseRetryAfter(h({ 'retry-after': 'Fri, 27 Nov 2026 00:00:10 GMT' }), Date.parse('2026-11-27T00:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter(h({}))).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

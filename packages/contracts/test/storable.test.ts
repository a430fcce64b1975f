import { ClientFrame, isStorableJson, isStorableText, UsageEventInput } from '@netra/contracts';

describe('text Postgres can store as sent', () => {
  it('refuses NUL and unpaired surrogates, keeps everything else (emoji pairs included)', () => {
    for (const ok of ['plain', "' OR 1=1 --", '😀', 'é\u200b', '\ud83d\ude00']) expect(isStorableText(ok)).toBe(true);
    for (const bad of ['a\u0000b', '\ud800', 'x\udc00', '\ude00\ud83d']) expect(isStorableText(bad)).toBe(false);
  });

  it('checks JSON keys and values at any depth, and bounds the depth without recursing past it', () => {
    expect(isStorableJson({ a: [{ b: 'ok' }] }, 8)).toBe(true);
    expect(isStorableJson({ a: [{ b: 'n\u0000ul' }] }, 8)).toBe(false);
    expect(isStorableJson({ ['k\u0000']: 1 }, 8)).toBe(false);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    expect(isStorableJson(deep, 8)).toBe(false);
  });

  it('is enforced on message text, client message ids and usage events (a 400, never a database error)', () => {
    const frame = { type: 'user_message', threadId: '2f1c5b0e-8a43-4c8e-9a55-0c6f5b0f9d11', text: 'hi\u0000', clientMessageId: 'c' };
    expect(ClientFrame.safeParse(frame).success).toBe(false);
    expect(ClientFrame.safeParse({ ...frame, text: 'hi', clientMessageId: '\ud800' }).success).toBe(false);
    const event = { id: 'e', timestamp: '2026-01-01T00:00:00Z', app: 'a', model: 'm', promptTokens: 1, completionTokens: 1, latencyMs: 1, status: 'ok' };
    expect(UsageEventInput.safeParse(event).success).toBe(true);
    expect(UsageEventInput.safeParse({ ...event, app: 'a\u0000' }).success).toBe(false);
    expect(UsageEventInput.safeParse({ ...event, metadata: { big: 'x'.repeat(9_000) } }).success).toBe(false);
    let deep: unknown = 1;
    for (let i = 0; i < 1_000_000; i += 1) deep = { d: deep };
    expect(UsageEventInput.safeParse({ ...event, metadata: deep }).success).toBe(false);
  });
});

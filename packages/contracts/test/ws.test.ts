import { randomUUID } from 'node:crypto';
import { ClientFrame, RunEvent, ServerFrame, ValidationError, formatEventId } from '@netra/contracts';

const threadId = randomUUID();

describe('client frames', () => {
  it('accepts a well-formed user_message and defaults nothing it should not', () => {
    const frame = ClientFrame.parse({ type: 'user_message', threadId, text: 'cut my costs', clientMessageId: 'c-1' });
    expect(frame).toEqual({ type: 'user_message', threadId, text: 'cut my costs', clientMessageId: 'c-1' });
  });

  it.each([
    ['unknown type', { type: 'explode' }],
    ['missing text', { type: 'user_message', threadId, clientMessageId: 'c' }],
    ['blank text', { type: 'user_message', threadId, text: '   ', clientMessageId: 'c' }],
    ['text over 32,000 chars', { type: 'user_message', threadId, text: 'x'.repeat(32_001), clientMessageId: 'c' }],
    ['clientMessageId over 64 chars', { type: 'user_message', threadId, text: 'hi', clientMessageId: 'c'.repeat(65) }],
    ['thread id that is not a uuid', { type: 'user_message', threadId: "1' OR '1'='1", text: 'hi', clientMessageId: 'c' }],
    ['unknown strategy', { type: 'user_message', threadId, text: 'hi', clientMessageId: 'c', strategy: 'yolo' }],
    ['subscribe with a malformed eventId', { type: 'subscribe', threadId, after: '12' }],
    ['stop_agent without runId', { type: 'stop_agent' }],
    ['not an object', 'ping'],
  ])('rejects %s', (_name, frame) => {
    expect(ClientFrame.safeParse(frame).success).toBe(false);
  });

  it('accepts the boundary lengths', () => {
    expect(ClientFrame.safeParse({ type: 'user_message', threadId, text: 'x'.repeat(32_000), clientMessageId: 'c'.repeat(64) }).success).toBe(true);
    expect(ClientFrame.safeParse({ type: 'subscribe', threadId, after: formatEventId(42) }).success).toBe(true);
    expect(ClientFrame.safeParse({ type: 'ping' }).success).toBe(true);
  });

  it('turns zod issues into a typed invalid_message error that names the field', () => {
    const result = ClientFrame.safeParse({ type: 'user_message', threadId: 'nope', text: 'hi', clientMessageId: 'c' });
    expect(result.success).toBe(false);
    if (result.success) return;
    const error = ValidationError.fromZod(result.error, 'user_message frame');
    expect(error.code).toBe('invalid_message');
    expect(error.message).toMatch(/threadId/);
    expect(error.toBody().error.details).toEqual({ issues: [expect.objectContaining({ path: ['threadId'] })] });
  });
});

describe('run events', () => {
  it('orders event ids as strings', () => {
    const ids = [9, 10, 99, 100, 12345].map(formatEventId);
    expect([...ids].sort()).toEqual(ids);
    expect(formatEventId(7)).toHaveLength(16);
  });

  it('validates a sub_agent_update and rejects an unknown agent', () => {
    const base = { eventId: formatEventId(3), runId: randomUUID(), threadId, ts: new Date().toISOString() };
    expect(RunEvent.safeParse({ ...base, type: 'sub_agent_update', agent: 'data', status: 'completed', durationMs: 12 }).success).toBe(true);
    expect(RunEvent.safeParse({ ...base, type: 'sub_agent_update', agent: 'oracle', status: 'completed' }).success).toBe(false);
  });

  it('every server frame kind parses as a ServerFrame', () => {
    expect(ServerFrame.safeParse({ type: 'pong' }).success).toBe(true);
    expect(ServerFrame.safeParse({ type: 'error', code: 'thread_busy', message: 'busy' }).success).toBe(true);
    expect(ServerFrame.safeParse({ type: 'error', code: 'teapot', message: 'x' }).success).toBe(false);
  });
});

import { randomUUID } from 'node:crypto';
import type { Message, MessagePage } from '@netra/contracts';
import { problem } from '../src/state/problem';
import { activeRun, emptyThread, threadReducer, unsent, type ThreadAction, type ThreadChat } from '../src/state/thread';
import { report, runEvents } from './fixtures';

const threadId = randomUUID();

function apply(chat: ThreadChat, ...actions: ThreadAction[]): ThreadChat {
  return actions.reduce(threadReducer, chat);
}

function message(partial: Partial<Message> & Pick<Message, 'role' | 'createdAt'>): Message {
  return { id: randomUUID(), threadId, content: 'hello', report: null, clientMessageId: null, runId: null, ...partial };
}

describe('the conversation reducer', () => {
  it('shows a sent message at once, then reconciles it with message_accepted and the run', () => {
    const runId = randomUUID();
    const messageId = randomUUID();
    let chat = apply(emptyThread(threadId), { type: 'send', clientMessageId: 'c1', text: 'cut my cost', createdAt: '2025-02-01T10:00:00.000Z' });
    expect(chat.messages).toMatchObject([{ key: 'c:c1', delivery: 'sending', content: 'cut my cost', id: null }]);
    expect(unsent(chat)).toEqual([{ clientMessageId: 'c1', text: 'cut my cost' }]);

    chat = apply(chat, { type: 'accepted', frame: { type: 'message_accepted', clientMessageId: 'c1', messageId, runId, threadId } });
    expect(chat.messages).toMatchObject([{ key: 'c:c1', delivery: 'sent', id: messageId, runId }]);
    expect(unsent(chat)).toEqual([]);
    expect(activeRun(chat)?.runId).toBe(runId);

    const events = runEvents({ runId, threadId });
    chat = apply(chat, ...events.map((event) => ({ type: 'run_event' as const, event })));
    expect(activeRun(chat)).toBeUndefined();
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(chat.messages[1]).toMatchObject({ runId, report });
    expect(chat.lastEventId).toBe(events[events.length - 1]?.eventId);
  });

  it('adds the answer once even when agent_completed is delivered twice or is also in the history', () => {
    const runId = randomUUID();
    const events = runEvents({ runId, threadId });
    const done = events[events.length - 1];
    if (!done || done.type !== 'agent_completed') throw new Error('fixture');
    let chat = apply(emptyThread(threadId), ...[...events, done, done].map((event) => ({ type: 'run_event' as const, event })));
    const page: MessagePage = {
      data: [message({ id: done.messageId, role: 'assistant', createdAt: done.ts, runId, report })],
      nextCursor: null,
    };
    chat = apply(chat, { type: 'history_page', page });
    expect(chat.messages.filter((m) => m.role === 'assistant')).toHaveLength(1);
  });

  it('merges a history page that already contains a message sent from this tab', () => {
    const messageId = randomUUID();
    let chat = apply(emptyThread(threadId), { type: 'send', clientMessageId: 'c9', text: 'hi', createdAt: '2025-02-01T10:00:05.000Z' });
    chat = apply(chat, {
      type: 'history_page',
      page: {
        data: [
          message({ id: messageId, role: 'user', clientMessageId: 'c9', content: 'hi', createdAt: '2025-02-01T10:00:01.000Z' }),
          message({ role: 'user', content: 'older', createdAt: '2025-01-01T00:00:00.000Z' }),
        ],
        nextCursor: 'abc',
      },
    });
    expect(chat.messages.map((m) => m.content)).toEqual(['older', 'hi']);
    expect(chat.messages[1]).toMatchObject({ id: messageId, delivery: 'sent', key: 'c:c9' });
    expect(chat.history).toMatchObject({ loaded: true, complete: false, cursor: 'abc' });
  });

  it('prepends older pages in order', () => {
    const newer: MessagePage = {
      data: [message({ role: 'user', content: 'm4', createdAt: '2025-01-04T00:00:00.000Z' }), message({ role: 'user', content: 'm3', createdAt: '2025-01-03T00:00:00.000Z' })],
      nextCursor: 'next',
    };
    const older: MessagePage = {
      data: [message({ role: 'user', content: 'm2', createdAt: '2025-01-02T00:00:00.000Z' }), message({ role: 'user', content: 'm1', createdAt: '2025-01-01T00:00:00.000Z' })],
      nextCursor: null,
    };
    const chat = apply(emptyThread(threadId), { type: 'history_page', page: newer }, { type: 'history_page', page: older });
    expect(chat.messages.map((m) => m.content)).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(chat.history.complete).toBe(true);
  });

  it('marks a refused message failed with a readable problem, and can retry or discard it', () => {
    const p = problem('rate_limited', 'Too many messages', { retryAfterMs: 5000, now: 1000 });
    let chat = apply(emptyThread(threadId), { type: 'send', clientMessageId: 'c2', text: 'again', createdAt: '2025-02-01T10:00:00.000Z' }, { type: 'send_failed', clientMessageId: 'c2', problem: p });
    expect(chat.messages[0]).toMatchObject({ delivery: 'failed', problem: { code: 'rate_limited', retryAt: 6000, title: 'Too many requests' } });
    expect(unsent(chat)).toEqual([]);
    chat = apply(chat, { type: 'resend', clientMessageId: 'c2' });
    expect(chat.messages[0]).toMatchObject({ delivery: 'sending', problem: null });
    chat = apply(chat, { type: 'send_failed', clientMessageId: 'c2', problem: p }, { type: 'discard', clientMessageId: 'c2' });
    expect(chat.messages).toEqual([]);
  });

  it('does not let a late error undo an accepted message', () => {
    const chat = apply(
      emptyThread(threadId),
      { type: 'send', clientMessageId: 'c3', text: 'x', createdAt: '2025-02-01T10:00:00.000Z' },
      { type: 'accepted', frame: { type: 'message_accepted', clientMessageId: 'c3', messageId: randomUUID(), runId: randomUUID(), threadId } },
      { type: 'send_failed', clientMessageId: 'c3', problem: problem('internal', 'x') },
    );
    expect(chat.messages[0]?.delivery).toBe('sent');
  });

  it('keeps the newest eventId for resuming, whatever order events and subscribed frames come in', () => {
    const events = runEvents({ threadId, firstSeq: 10 });
    const reversed = [...events].reverse();
    let chat = apply(emptyThread(threadId), ...reversed.map((event) => ({ type: 'run_event' as const, event })));
    const newest = events[events.length - 1]?.eventId ?? null;
    expect(chat.lastEventId).toBe(newest);
    chat = apply(chat, { type: 'subscribed', lastEventId: '0000000000000003' });
    expect(chat.lastEventId).toBe(newest);
    chat = apply(chat, { type: 'subscribed', lastEventId: '0000000000009999' });
    expect(chat.lastEventId).toBe('0000000000009999');
  });

  it('ignores events of another thread', () => {
    const chat = apply(emptyThread(threadId), ...runEvents().map((event) => ({ type: 'run_event' as const, event })));
    expect(chat.runs).toEqual({});
    expect(chat.lastEventId).toBeNull();
  });

  it('tracks a stop request and its refusal on the run', () => {
    const runId = randomUUID();
    let chat = apply(emptyThread(threadId), { type: 'stop_requested', runId });
    expect(chat.runs[runId]?.stop).toEqual({ state: 'requested' });
    chat = apply(chat, { type: 'stop_failed', runId, message: 'stop_agent is not supported by this gateway version' });
    expect(chat.runs[runId]?.stop).toEqual({ state: 'failed', message: 'stop_agent is not supported by this gateway version' });
  });
});

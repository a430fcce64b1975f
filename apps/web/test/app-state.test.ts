import { randomUUID } from 'node:crypto';
import { appReducer, initialState, type AppAction, type AppState } from '../src/state/app';
import { problem } from '../src/state/problem';
import { toolCalls } from '../src/state/run';
import { runEvents } from './fixtures';

const session = { userId: 'alice', token: 't', expiresAt: null, method: 'dev' as const };

function apply(state: AppState, ...actions: AppAction[]): AppState {
  return actions.reduce(appReducer, state);
}

describe('the app reducer', () => {
  it('routes run events to their thread, creating its state on the fly', () => {
    const threadId = randomUUID();
    const events = runEvents({ threadId });
    const state = apply(initialState, { type: 'signed_in', session }, ...events.map((frame) => ({ type: 'frame' as const, frame })));
    expect(Object.keys(state.chats)).toEqual([threadId]);
    expect(state.chats[threadId]?.messages.map((m) => m.role)).toEqual(['assistant']);
  });

  it('folds tool_call / tool_result frames into their run, once', () => {
    const threadId = randomUUID();
    const events = runEvents({ threadId, tools: true });
    const frames = events.map((frame) => ({ type: 'frame' as const, frame }));
    const state = apply(initialState, { type: 'signed_in', session }, ...frames, ...frames.slice(1, 8));
    const run = Object.values(state.chats[threadId]?.runs ?? {})[0];
    if (!run) throw new Error('no run');
    expect(run.seen).toHaveLength(events.length);
    expect(toolCalls(run, 'triage').map((t) => [t.tool, t.status, t.summary])).toEqual([
      ['triage_tool_1', 'ok', 'triage result 1'],
      ['triage_tool_2', 'failed', 'triage result 2'],
    ]);
  });

  it('attaches an error with a clientMessageId to the message it refuses', () => {
    const threadId = randomUUID();
    const state = apply(
      initialState,
      { type: 'signed_in', session },
      { type: 'thread', threadId, action: { type: 'send', clientMessageId: 'c1', text: 'hi', createdAt: '2025-01-01T00:00:00.000Z' } },
      { type: 'frame', frame: { type: 'error', code: 'overloaded', message: 'The system is at capacity; retry later', clientMessageId: 'c1', retryAfterMs: 2000 } },
    );
    expect(state.chats[threadId]?.messages[0]).toMatchObject({ delivery: 'failed', problem: { code: 'overloaded', title: 'Netra is at capacity' } });
    expect(state.notices).toEqual([]);
  });

  it('shows other errors as notices, readable and capped', () => {
    let state = apply(initialState, { type: 'signed_in', session });
    for (let i = 0; i < 6; i += 1) {
      state = apply(state, { type: 'frame', frame: { type: 'error', code: 'internal', message: '{"stack":"..."}' } });
    }
    expect(state.notices).toHaveLength(4);
    expect(state.notices[0]?.problem.message).not.toContain('{');
    state = apply(state, { type: 'dismiss', id: state.notices[0]?.id ?? -1 });
    expect(state.notices).toHaveLength(3);
  });

  it('forgets everything of the user on sign-out, keeping only why', () => {
    const threadId = randomUUID();
    const state = apply(
      initialState,
      { type: 'signed_in', session },
      ...runEvents({ threadId }).map((frame) => ({ type: 'frame' as const, frame })),
      { type: 'signed_out', problem: problem('unauthorized', 'Your session has expired. Sign in again.') },
    );
    expect(state.session).toBeNull();
    expect(state.chats).toEqual({});
    expect(state.signInProblem?.message).toBe('Your session has expired. Sign in again.');
  });
});

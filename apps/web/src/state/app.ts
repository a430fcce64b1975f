import type { Alert, ServerFrame } from '@netra/contracts';
import { connectionReducer, initialConnection, type ConnectionAction, type ConnectionState } from './connection';
import { problem, type Problem } from './problem';
import { emptyThread, threadReducer, type ThreadAction, type ThreadChat } from './thread';
import { emptyThreadList, threadListReducer, type ThreadList, type ThreadListAction } from './threads';

export interface Session {
  /** The user id as the token's `sub` says (what the gateway calls `userId` in `connection_established`). */
  userId: string;
  token: string;
  /** Epoch ms when the token expires, when known. */
  expiresAt: number | null;
  /** How the user signed in: the development form or a pasted bearer token. */
  method: 'dev' | 'token';
}

export interface Notice {
  id: number;
  problem: Problem;
}

export interface AppState {
  session: Session | null;
  /** Why the user is on the sign-in page (expired session…), shown there. */
  signInProblem: Problem | null;
  connection: ConnectionState;
  threads: ThreadList;
  chats: Record<string, ThreadChat>;
  notices: Notice[];
  nextNoticeId: number;
  /** Alerts pushed by `notification` frames since sign-in, newest first (the badge counts the unseen ones). */
  alerts: Alert[];
  unseenAlerts: number;
}

export type AppAction =
  | { type: 'signed_in'; session: Session }
  | { type: 'signed_out'; problem: Problem | null }
  | { type: 'connection'; action: ConnectionAction }
  | { type: 'threads'; action: ThreadListAction }
  | { type: 'thread'; threadId: string; action: ThreadAction }
  | { type: 'frame'; frame: ServerFrame }
  | { type: 'notice'; problem: Problem }
  | { type: 'dismiss'; id: number }
  | { type: 'alerts_seen' };

export const initialState: AppState = {
  session: null,
  signInProblem: null,
  connection: initialConnection,
  threads: emptyThreadList,
  chats: {},
  notices: [],
  nextNoticeId: 1,
  alerts: [],
  unseenAlerts: 0,
};

const MAX_ALERTS = 50;

const MAX_NOTICES = 4;

function onThread(state: AppState, threadId: string, action: ThreadAction): AppState {
  const current = state.chats[threadId] ?? emptyThread(threadId);
  const next = threadReducer(current, action);
  if (next === current && state.chats[threadId]) return state;
  return { ...state, chats: { ...state.chats, [threadId]: next } };
}

function addNotice(state: AppState, p: Problem): AppState {
  const notices = [...state.notices, { id: state.nextNoticeId, problem: p }].slice(-MAX_NOTICES);
  return { ...state, notices, nextNoticeId: state.nextNoticeId + 1 };
}

/** The thread that holds a message this tab sent, found by its clientMessageId. */
function threadOfClientMessage(state: AppState, clientMessageId: string): string | undefined {
  for (const chat of Object.values(state.chats)) {
    if (chat.messages.some((m) => m.role === 'user' && m.clientMessageId === clientMessageId)) return chat.threadId;
  }
  return undefined;
}

/** Routes a server frame to the state it changes. Frames without a correlation id are the controller's business. */
function onFrame(state: AppState, frame: ServerFrame): AppState {
  switch (frame.type) {
    case 'message_accepted':
      return onThread(state, frame.threadId, { type: 'accepted', frame });
    case 'subscribed':
      return onThread(state, frame.threadId, { type: 'subscribed', lastEventId: frame.lastEventId });
    case 'error': {
      const p = problem(frame.code, frame.message, { retryAfterMs: frame.retryAfterMs });
      const threadId = frame.clientMessageId ? threadOfClientMessage(state, frame.clientMessageId) : undefined;
      if (threadId && frame.clientMessageId) return onThread(state, threadId, { type: 'send_failed', clientMessageId: frame.clientMessageId, problem: p });
      return addNotice(state, p);
    }
    case 'notification':
      return { ...state, alerts: [frame.alert, ...state.alerts].slice(0, MAX_ALERTS), unseenAlerts: state.unseenAlerts + 1 };
    case 'connection_established':
    case 'pong':
      return state;
    default:
      return onThread(state, frame.threadId, { type: 'run_event', event: frame });
  }
}

export function appReducer(state: AppState, action: AppAction): AppState {
  switch (action.type) {
    case 'signed_in':
      return { ...initialState, session: action.session };
    case 'signed_out':
      // Nothing of the previous user stays in memory.
      return { ...initialState, signInProblem: action.problem };
    case 'connection':
      return { ...state, connection: connectionReducer(state.connection, action.action) };
    case 'threads':
      return { ...state, threads: threadListReducer(state.threads, action.action) };
    case 'thread':
      return onThread(state, action.threadId, action.action);
    case 'frame':
      return onFrame(state, action.frame);
    case 'notice':
      return addNotice(state, action.problem);
    case 'dismiss':
      return { ...state, notices: state.notices.filter((n) => n.id !== action.id) };
    case 'alerts_seen':
      return state.unseenAlerts === 0 ? state : { ...state, unseenAlerts: 0 };
  }
}

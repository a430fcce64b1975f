import type { Message, MessageAcceptedFrame, MessagePage, Report, Run, RunEvent } from '@netra/contracts';
import type { Problem } from './problem';
import { applyRunEvent, applyRunSnapshot, emptyRun, requestStop, stopFailed, type RunView } from './run';

/** One message of the conversation as shown: from history, sent by this tab (optimistic), or a run's answer. */
export interface ChatMessage {
  /** Stable React key: `c:<clientMessageId>` for messages this tab sent, else `m:<id>`. */
  key: string;
  id: string | null;
  role: 'user' | 'assistant';
  content: string;
  report: Report | null;
  clientMessageId: string | null;
  runId: string | null;
  createdAt: string;
  /** `sending` until `message_accepted`; `failed` with a problem when the gateway refused it. */
  delivery: 'sending' | 'sent' | 'failed';
  problem: Problem | null;
}

export interface HistoryState {
  /** Cursor of the next older page; null when there is none (or nothing was loaded yet). */
  cursor: string | null;
  loaded: boolean;
  complete: boolean;
  loading: boolean;
  problem: Problem | null;
}

export interface ThreadChat {
  threadId: string;
  messages: ChatMessage[];
  runs: Record<string, RunView>;
  history: HistoryState;
  /** The newest eventId seen on this thread: what `subscribe {after}` resumes from. */
  lastEventId: string | null;
}

export type ThreadAction =
  | { type: 'history_loading' }
  | { type: 'history_page'; page: MessagePage }
  | { type: 'history_failed'; problem: Problem }
  | { type: 'send'; clientMessageId: string; text: string; createdAt: string }
  | { type: 'resend'; clientMessageId: string }
  | { type: 'discard'; clientMessageId: string }
  | { type: 'accepted'; frame: MessageAcceptedFrame }
  | { type: 'send_failed'; clientMessageId: string; problem: Problem }
  | { type: 'run_event'; event: RunEvent }
  | { type: 'run_snapshot'; run: Run }
  | { type: 'subscribed'; lastEventId: string | null }
  | { type: 'stop_requested'; runId: string }
  | { type: 'stop_failed'; runId: string; message: string };

export function emptyThread(threadId: string): ThreadChat {
  return {
    threadId,
    messages: [],
    runs: {},
    history: { cursor: null, loaded: false, complete: false, loading: false, problem: null },
    lastEventId: null,
  };
}

function maxId(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

function fromServer(m: Message): ChatMessage {
  return {
    key: m.clientMessageId && m.role === 'user' ? `c:${m.clientMessageId}` : `m:${m.id}`,
    id: m.id,
    role: m.role,
    content: m.content,
    report: m.report,
    clientMessageId: m.clientMessageId,
    runId: m.runId,
    createdAt: m.createdAt,
    delivery: 'sent',
    problem: null,
  };
}

function sameMessage(a: ChatMessage, b: ChatMessage): boolean {
  if (a.id !== null && a.id === b.id) return true;
  return a.role === 'user' && b.role === 'user' && a.clientMessageId !== null && a.clientMessageId === b.clientMessageId;
}

/** Inserts after every message created at or before it (stable), or merges into the one it already is. */
function upsert(messages: ChatMessage[], incoming: ChatMessage): ChatMessage[] {
  const index = messages.findIndex((m) => sameMessage(m, incoming));
  if (index >= 0) {
    const current = messages[index] as ChatMessage;
    const merged: ChatMessage = {
      ...current,
      id: current.id ?? incoming.id,
      runId: current.runId ?? incoming.runId,
      report: current.report ?? incoming.report,
      content: current.content || incoming.content,
      // The server's clock orders the conversation once the server has the message.
      createdAt: incoming.id !== null ? incoming.createdAt : current.createdAt,
      delivery: incoming.delivery === 'sent' ? 'sent' : current.delivery,
      problem: incoming.delivery === 'sent' ? null : current.problem,
    };
    const copy = [...messages];
    copy[index] = merged;
    return copy;
  }
  let i = messages.length;
  while (i > 0 && (messages[i - 1] as ChatMessage).createdAt > incoming.createdAt) i -= 1;
  return [...messages.slice(0, i), incoming, ...messages.slice(i)];
}

function updateMessage(chat: ThreadChat, clientMessageId: string, change: (m: ChatMessage) => ChatMessage): ThreadChat {
  let changed = false;
  const messages = chat.messages.map((m) => {
    if (m.role !== 'user' || m.clientMessageId !== clientMessageId) return m;
    changed = true;
    return change(m);
  });
  return changed ? { ...chat, messages } : chat;
}

function withRun(chat: ThreadChat, runId: string, change: (r: RunView) => RunView): ThreadChat {
  const current = chat.runs[runId] ?? emptyRun(runId, chat.threadId);
  const next = change(current);
  return next === current && chat.runs[runId] ? chat : { ...chat, runs: { ...chat.runs, [runId]: next } };
}

export function threadReducer(chat: ThreadChat, action: ThreadAction): ThreadChat {
  switch (action.type) {
    case 'history_loading':
      return { ...chat, history: { ...chat.history, loading: true, problem: null } };
    case 'history_page': {
      // Pages come newest first (order=desc); each one is older than what is shown.
      let messages = chat.messages;
      for (const m of [...action.page.data].reverse()) messages = upsert(messages, fromServer(m));
      return {
        ...chat,
        messages,
        history: { cursor: action.page.nextCursor, loaded: true, complete: action.page.nextCursor === null, loading: false, problem: null },
      };
    }
    case 'history_failed':
      return { ...chat, history: { ...chat.history, loading: false, problem: action.problem } };
    case 'send': {
      const message: ChatMessage = {
        key: `c:${action.clientMessageId}`,
        id: null,
        role: 'user',
        content: action.text,
        report: null,
        clientMessageId: action.clientMessageId,
        runId: null,
        createdAt: action.createdAt,
        delivery: 'sending',
        problem: null,
      };
      // Newest by definition: appended whatever the client's clock says.
      return { ...chat, messages: [...chat.messages, message] };
    }
    case 'resend':
      return updateMessage(chat, action.clientMessageId, (m) => (m.delivery === 'failed' ? { ...m, delivery: 'sending', problem: null } : m));
    case 'discard':
      return { ...chat, messages: chat.messages.filter((m) => !(m.delivery === 'failed' && m.clientMessageId === action.clientMessageId)) };
    case 'accepted': {
      const { frame } = action;
      const next = updateMessage(chat, frame.clientMessageId, (m) => ({
        ...m,
        id: frame.messageId,
        runId: frame.runId,
        delivery: 'sent',
        problem: null,
      }));
      return withRun(next, frame.runId, (r) => (r.userMessageId ? r : { ...r, userMessageId: frame.messageId }));
    }
    case 'send_failed':
      return updateMessage(chat, action.clientMessageId, (m) =>
        m.delivery === 'sent' ? m : { ...m, delivery: 'failed', problem: action.problem },
      );
    case 'run_event': {
      const { event } = action;
      if (event.threadId !== chat.threadId) return chat;
      let next = withRun(chat, event.runId, (r) => applyRunEvent(r, event));
      next = { ...next, lastEventId: maxId(next.lastEventId, event.eventId) };
      if (event.type === 'agent_completed') {
        next = {
          ...next,
          messages: upsert(next.messages, {
            key: `m:${event.messageId}`,
            id: event.messageId,
            role: 'assistant',
            content: event.report.summary,
            report: event.report,
            clientMessageId: null,
            runId: event.runId,
            createdAt: event.ts,
            delivery: 'sent',
            problem: null,
          }),
        };
      }
      return next;
    }
    case 'run_snapshot':
      if (action.run.threadId !== chat.threadId) return chat;
      return withRun(chat, action.run.id, (r) => applyRunSnapshot(r, action.run));
    case 'subscribed':
      return { ...chat, lastEventId: maxId(chat.lastEventId, action.lastEventId) };
    case 'stop_requested':
      return withRun(chat, action.runId, requestStop);
    case 'stop_failed':
      return withRun(chat, action.runId, (r) => stopFailed(r, action.message));
  }
}

/** The run a user message started, when this tab knows it. */
export function runOf(chat: ThreadChat, message: ChatMessage): RunView | undefined {
  return message.runId ? chat.runs[message.runId] : undefined;
}

/** The assistant message that answers a run, if loaded. */
export function answerOf(chat: ThreadChat, runId: string): ChatMessage | undefined {
  return chat.messages.find((m) => m.role === 'assistant' && m.runId === runId);
}

/** The thread's run in flight, if any (the newest one that has not ended). */
export function activeRun(chat: ThreadChat): RunView | undefined {
  let found: RunView | undefined;
  for (const run of Object.values(chat.runs)) {
    if (run.terminal === null && (!found || (run.seen[0] ?? '\uffff') > (found.seen[0] ?? '\uffff'))) found = run;
  }
  return found;
}

/** User messages that have to reach the gateway (again) once a socket is open: resent with the same id. */
export function unsent(chat: ThreadChat): { clientMessageId: string; text: string }[] {
  return chat.messages
    .filter((m) => m.role === 'user' && m.delivery === 'sending' && m.clientMessageId !== null)
    .map((m) => ({ clientMessageId: m.clientMessageId as string, text: m.content }));
}

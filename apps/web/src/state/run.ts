import { AGENTS, TERMINAL_EVENT_TYPES, type AgentName, type Report, type Run, type RunEvent, type StepStatus } from '@netra/contracts';

/**
 * The UI state of one run, folded from its events.
 *
 * The fold is order-independent and idempotent: applying the same events in any order, any number of times,
 * gives the same state. Each piece of state remembers the eventId that set it and only a later eventId
 * (eventIds are 16-digit zero-padded, so string order is event order) may replace it. That makes a resumed
 * socket (replay + live, possibly overlapping) or a duplicated frame harmless by construction.
 */

export type StageStatus = 'pending' | StepStatus;
export type RunPhase = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface StageView {
  agent: AgentName;
  status: StageStatus;
  summary: string | null;
  durationMs: number | null;
  /** Server time of the stage's `running` event, to show a live elapsed time. */
  startedAt: string | null;
  /** The eventId that set `status` ('' = none yet / from a snapshot). */
  eventId: string;
}

export interface TokenChunk {
  eventId: string;
  agent: AgentName;
  delta: string;
}

/** A `tool_call` or `tool_result` as folded: kept sorted by eventId, paired by `callId` when viewed. */
export type ToolEvent =
  | { kind: 'call'; eventId: string; agent: AgentName; tool: string; callId: string }
  | { kind: 'result'; eventId: string; agent: AgentName; tool: string; callId: string; durationMs: number; summary: string; ok: boolean };

/** One tool call of an agent, as shown under its stage. */
export interface ToolCallView {
  callId: string;
  tool: string;
  /** `running` until its result arrives. */
  status: 'running' | 'ok' | 'failed';
  summary: string | null;
  durationMs: number | null;
}

export interface RunTerminal {
  phase: 'completed' | 'failed' | 'cancelled';
  eventId: string;
  ts: string | null;
  report: Report | null;
  assistantMessageId: string | null;
  error: { code: string; message: string } | null;
  reason: string | null;
}

export type StopState =
  | { state: 'idle' }
  | { state: 'requested' }
  | { state: 'failed'; message: string };

export interface RunView {
  runId: string;
  threadId: string;
  /** The user message that started it, when known. */
  userMessageId: string | null;
  attempt: number;
  /** eventId of the newest `agent_started` (a retried attempt restarts the token stream). */
  attemptEventId: string;
  startedAt: string | null;
  stages: Record<AgentName, StageView>;
  /** Streamed text, kept sorted by eventId and de-duplicated. */
  tokens: TokenChunk[];
  /** Tool calls and results of every agent, kept sorted by eventId and de-duplicated. */
  tools: ToolEvent[];
  terminal: RunTerminal | null;
  /** Every eventId folded in (to count, and to skip exact duplicates cheaply). */
  seen: string[];
  stop: StopState;
}

export function emptyRun(runId: string, threadId: string, userMessageId: string | null = null): RunView {
  const stages = {} as Record<AgentName, StageView>;
  for (const agent of AGENTS) {
    stages[agent] = { agent, status: 'pending', summary: null, durationMs: null, startedAt: null, eventId: '' };
  }
  return {
    runId,
    threadId,
    userMessageId,
    attempt: 0,
    attemptEventId: '',
    startedAt: null,
    stages,
    tokens: [],
    tools: [],
    terminal: null,
    seen: [],
    stop: { state: 'idle' },
  };
}

export function runPhase(run: RunView): RunPhase {
  if (run.terminal) return run.terminal.phase;
  if (run.attempt > 0 || run.seen.length > 0) return 'running';
  return 'queued';
}

export function isActive(run: RunView): boolean {
  return run.terminal === null;
}

function insertSorted(list: string[], id: string): string[] {
  let i = list.length;
  while (i > 0 && (list[i - 1] as string) > id) i -= 1;
  return [...list.slice(0, i), id, ...list.slice(i)];
}

/** Inserts an item in a list sorted by eventId (events mostly arrive in order: the search starts at the end). */
function insertByEventId<T extends { eventId: string }>(list: T[], item: T): T[] {
  let i = list.length;
  while (i > 0 && (list[i - 1] as T).eventId > item.eventId) i -= 1;
  return [...list.slice(0, i), item, ...list.slice(i)];
}

const TERMINAL_PHASE = {
  agent_completed: 'completed',
  agent_failed: 'failed',
  agent_stopped: 'cancelled',
} as const satisfies Record<(typeof TERMINAL_EVENT_TYPES)[number], RunTerminal['phase']>;

/** Folds one run event into the run's state. Events of other runs are ignored. */
export function applyRunEvent(run: RunView, event: RunEvent): RunView {
  if (event.runId !== run.runId) return run;
  if (binaryHas(run.seen, event.eventId)) return run;
  const seen = insertSorted(run.seen, event.eventId);

  switch (event.type) {
    case 'agent_started': {
      const newer = event.eventId > run.attemptEventId;
      return {
        ...run,
        seen,
        userMessageId: run.userMessageId ?? event.messageId,
        attempt: newer ? event.attempt : run.attempt,
        attemptEventId: newer ? event.eventId : run.attemptEventId,
        // The first start is when the run started; a later attempt does not move it.
        startedAt: run.startedAt === null || event.ts < run.startedAt ? event.ts : run.startedAt,
      };
    }
    case 'sub_agent_update': {
      const current = run.stages[event.agent];
      const startedAt =
        event.status === 'running' && (current.startedAt === null || event.eventId > current.eventId) ? event.ts : current.startedAt;
      const next: StageView =
        event.eventId > current.eventId
          ? {
              agent: event.agent,
              status: event.status,
              // A `running` update carries no summary; keep the one a later event may already have set.
              summary: event.summary ?? (event.status === 'running' ? null : current.summary),
              durationMs: event.durationMs ?? null,
              startedAt,
              eventId: event.eventId,
            }
          : { ...current, startedAt: current.startedAt ?? (event.status === 'running' ? event.ts : null) };
      return { ...run, seen, stages: { ...run.stages, [event.agent]: next } };
    }
    case 'agent_token': {
      const chunk: TokenChunk = { eventId: event.eventId, agent: event.agent, delta: event.delta };
      return { ...run, seen, tokens: insertByEventId(run.tokens, chunk) };
    }
    case 'tool_call': {
      const call: ToolEvent = { kind: 'call', eventId: event.eventId, agent: event.agent, tool: event.tool, callId: event.callId };
      return { ...run, seen, tools: insertByEventId(run.tools, call) };
    }
    case 'tool_result': {
      const result: ToolEvent = {
        kind: 'result',
        eventId: event.eventId,
        agent: event.agent,
        tool: event.tool,
        callId: event.callId,
        durationMs: event.durationMs,
        summary: event.summary,
        ok: event.ok,
      };
      return { ...run, seen, tools: insertByEventId(run.tools, result) };
    }
    case 'agent_completed':
    case 'agent_failed':
    case 'agent_stopped': {
      // A run ends once. Should two terminal events exist (they should not), the first one wins.
      if (run.terminal && run.terminal.eventId <= event.eventId) return { ...run, seen };
      const terminal: RunTerminal = {
        phase: TERMINAL_PHASE[event.type],
        eventId: event.eventId,
        ts: event.ts,
        report: event.type === 'agent_completed' ? event.report : null,
        assistantMessageId: event.type === 'agent_completed' ? event.messageId : null,
        error: event.type === 'agent_failed' ? event.error : null,
        reason: event.type === 'agent_stopped' ? (event.reason ?? null) : null,
      };
      return { ...run, seen, terminal, stop: { state: 'idle' } };
    }
  }
}

function binaryHas(sorted: string[], id: string): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid] as string;
    if (v === id) return true;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Folds `GET /runs/:id` (for runs whose events this tab never saw, e.g. after a reload). Snapshot values sit
 * under every event (eventId ''), so a live event arriving later still wins.
 */
export function applyRunSnapshot(run: RunView, snapshot: Run): RunView {
  if (snapshot.id !== run.runId) return run;
  const stages = { ...run.stages };
  for (const step of snapshot.steps) {
    const current = stages[step.agent];
    if (current.eventId !== '') continue;
    stages[step.agent] = {
      agent: step.agent,
      status: step.status,
      summary: step.summary ?? step.error?.message ?? null,
      durationMs: step.durationMs,
      startedAt: step.startedAt,
      eventId: '',
    };
  }
  let terminal = run.terminal;
  if (terminal === null && (snapshot.status === 'completed' || snapshot.status === 'failed' || snapshot.status === 'cancelled')) {
    terminal = {
      phase: snapshot.status,
      eventId: '\uffff', // any real terminal event (lower id) replaces the snapshot's
      ts: snapshot.finishedAt,
      report: snapshot.report,
      assistantMessageId: snapshot.assistantMessageId,
      error: snapshot.error,
      reason: snapshot.status === 'cancelled' ? 'cancelled' : null,
    };
  }
  return {
    ...run,
    userMessageId: run.userMessageId ?? snapshot.userMessageId,
    attempt: Math.max(run.attempt, snapshot.attempts),
    startedAt: run.startedAt ?? snapshot.startedAt,
    stages,
    terminal,
  };
}

/** Streamed text of the current attempt, grouped by agent in pipeline order of first appearance. */
export function streamedText(run: RunView): { agent: AgentName; text: string }[] {
  const out: { agent: AgentName; text: string }[] = [];
  for (const chunk of run.tokens) {
    if (chunk.eventId < run.attemptEventId) continue;
    const last = out[out.length - 1];
    if (last && last.agent === chunk.agent) last.text += chunk.delta;
    else out.push({ agent: chunk.agent, text: chunk.delta });
  }
  return out;
}

/**
 * An agent's tool calls in call order, each with its result once it arrived. Events are read in eventId order, so
 * the view does not depend on the order they arrived in. A call whose `callId` was already used (a retried
 * attempt re-running the agent) replaces the earlier one; a result without its call still shows.
 */
export function toolCalls(run: RunView, agent: AgentName): ToolCallView[] {
  const byId = new Map<string, ToolCallView>();
  for (const e of run.tools) {
    if (e.agent !== agent) continue;
    if (e.kind === 'call') {
      byId.delete(e.callId);
      byId.set(e.callId, { callId: e.callId, tool: e.tool, status: 'running', summary: null, durationMs: null });
      continue;
    }
    const done: ToolCallView = { callId: e.callId, tool: e.tool, status: e.ok ? 'ok' : 'failed', summary: e.summary, durationMs: e.durationMs };
    byId.set(e.callId, done);
  }
  return [...byId.values()];
}

export function stageList(run: RunView): StageView[] {
  return AGENTS.map((agent) => run.stages[agent]);
}

export function requestStop(run: RunView): RunView {
  return run.terminal ? run : { ...run, stop: { state: 'requested' } };
}

export function stopFailed(run: RunView, message: string): RunView {
  return run.terminal ? run : { ...run, stop: { state: 'failed', message } };
}


import type { AgentName, DoubleTextStrategy, Report, RunEventDraft, RunStatus } from '@netra/contracts';

// What the run engine's callers (the gateway, the worker, the reconciler) pass it and get back.

/** A run as the queue, the events and the hand-over know it. */
export interface RunRef {
  runId: string;
  threadId: string;
  userId: string;
}

export interface RunEngineEvents {
  /** A run's job was added to the queue (the gateway counts them for backpressure). */
  enqueued: [run: RunRef];
  /**
   * This engine's conditional write ended the run (committed; its terminal event published): once per run across
   * all processes. The worker's watch sends `run.completed` / `run.failed` webhooks from it.
   */
  ended: [run: RunRef, status: 'completed' | 'failed' | 'cancelled', info: EndedInfo];
}

/** What the statement that ended a run learned in passing, so listeners need no query of their own. */
export interface EndedInfo {
  /** The user has an active webhook subscribed to `run.completed`, `run.failed` or `schedule.report_ready`. */
  runWebhooks: boolean;
}

export interface AcceptInput {
  threadId: string;
  text: string;
  /** Idempotency key; one is generated when the client sends none (HTTP). */
  clientMessageId?: string | undefined;
  strategy?: DoubleTextStrategy | undefined;
  /** W3C trace context of the accepting request, handed to the run's job. */
  traceparent?: string | undefined;
}

export type AcceptResult =
  | { kind: 'accepted'; messageId: string; runId: string; threadId: string; clientMessageId: string; started: boolean; duplicate: boolean }
  /** The thread does not exist or is not the user's. */
  | { kind: 'not_found' }
  /** `reject` while a run is in progress: nothing was stored. */
  | { kind: 'busy'; activeRunId: string };

export type CancelOutcome =
  | { kind: 'cancelled'; threadId: string }
  | { kind: 'already_ended'; status: RunStatus }
  | { kind: 'not_found' };

/** What a worker needs to know about a run it has claimed. */
export interface ClaimedRun {
  id: string;
  threadId: string;
  userId: string;
  userMessageId: string;
  /** Status before this claim: `queued` on a first attempt, `running` when resuming. */
  previousStatus: 'queued' | 'running';
  attempts: number;
  startedAt: Date;
  /** The user's message. */
  request: string;
  /** Outputs of the agents that completed in an earlier attempt. */
  checkpoints: { agent: AgentName; output: unknown }[];
  /** The report of the thread's previous completed run, for follow-up questions. */
  previousReport: Report | null;
  /** The user's usage revision at the claim (newest `usage_changes.seq`, '0' for none): keys the worker's rollup-read cache. */
  usageRevision: string;
}

export interface StepError {
  code: string;
  message: string;
}

/**
 * The run's last agent (the one whose output is the report), completed by the statement that completes the run
 * instead of a checkpoint of its own: nothing resumes after it, so its checkpoint would only be written to be
 * superseded a moment later. `events` are what the agent announced (its tool calls), published before its update.
 */
export interface FinalStep {
  agent: AgentName;
  summary: string;
  durationMs: number;
  events: RunEventDraft[];
}

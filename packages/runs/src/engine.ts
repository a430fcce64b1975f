import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AgentName, Report, RunStatus } from '@netra/contracts';
import { ControlChannel, enqueueRun, type Redis, type RedisNames, type RunEventLog, type RunQueue } from '@netra/bus';
import { querySql, sql, type Db, type RecommendationRow } from '@netra/db';
import { errorFields, logger, metrics } from '@netra/observability';
import { CheckpointWriter, type CompletedStep, type StartedStep } from './checkpoints.js';
import { GroupCommit, type GroupCommitLimits } from './group-commit.js';
import { acceptStatement, interruptStatement, type AcceptItem, type AcceptRow } from './statements/accept.js';
import { claimStatement, type ClaimRow } from './statements/claim.js';
import { cancelStatement, completeStatement, failStatement, type CompleteRow, type Completion } from './statements/end.js';
import { json } from './statements/json.js';
import type { AcceptInput, AcceptResult, CancelOutcome, ClaimedRun, FinalStep, RunEngineEvents, RunRef, StepError } from './types.js';

export interface RunEngineDeps {
  db: Db;
  queue: RunQueue;
  events: RunEventLog;
  /** Publishes cancel commands to the workers. */
  redis: Redis;
  names: RedisNames;
  /** BullMQ attempts of a run's job (RUN_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** Batches of the engine's writes: accepts, claims, checkpoints, completions (defaults: 64 items or 2 ms). */
  groupCommit?: GroupCommitLimits;
}

const TERMINAL_ERROR = { code: 'failed', message: 'run failed' };

/**
 * The one owner of the run lifecycle. Every change of a run — accept, claim, checkpoint, complete, fail, cancel,
 * hand over, recover — is a conditional write guarded by the transition table (transitions.ts), followed by its
 * event and then the hand-over of the thread to its next run. The gateway, the worker and the reconciler call
 * only this; nothing else writes a run's status or sends an end-of-run event.
 *
 * End-of-run events go out once by construction: only the call whose conditional UPDATE changed the run
 * announces it, and `reannounce` (a retried job finding its run ended; a crash between commit and publish)
 * publishes through the event log's `once: 'terminal'` guard, which makes the repeat a no-op.
 *
 * The statements are raw SQL on the pool (`querySql`): the hot path costs a third of the client CPU it cost
 * through Prisma's query engine. Ending a run and handing its thread over commit in one statement; the step
 * checkpoints of concurrent runs are group-committed. The larger statements (accept, claim, the ends of a run) live
 * in statements/; this class decides what follows each (events, queue, hand-over, `ended`). One-line reads and
 * updates stay in the method they serve.
 */
export class RunEngine extends EventEmitter<RunEngineEvents> {
  private readonly log = logger.child({ component: 'run-engine' });
  private readonly db: Db;
  private readonly checkpoints: CheckpointWriter;
  private readonly accepts: GroupCommit<AcceptItem, AcceptRow | undefined>;
  private readonly claims: GroupCommit<string, ClaimRow | undefined>;
  private readonly completions: GroupCommit<Completion, CompleteRow | undefined>;

  constructor(private readonly deps: RunEngineDeps) {
    super();
    this.db = deps.db;
    this.checkpoints = new CheckpointWriter(deps.db, deps.groupCommit);
    // Accepts are requests waiting for an answer: batched by load, never by a timer.
    this.accepts = new GroupCommit((items) => acceptStatement(this.db, items), { ...deps.groupCommit, key: (item) => item.threadId, flushWhenIdle: true });
    this.claims = new GroupCommit((runIds) => claimStatement(this.db, runIds), deps.groupCommit);
    this.completions = new GroupCommit((items) => completeStatement(this.db, items), deps.groupCommit);
  }

  // ── accept ────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Stores a user message and its run. One run at a time per thread: the run becomes the thread's active run and
   * goes on the queue only when the thread is idle; otherwise it waits `queued` and the hand-over after the
   * active run starts it (acceptance order, `seq`). `reject` stores nothing while a run is in progress;
   * `interrupt` cancels what is in flight and starts the new run. The same `clientMessageId` again returns the
   * first acceptance's ids (and re-queues its run if that first attempt never reached Redis).
   */
  async accept(userId: string, input: AcceptInput): Promise<AcceptResult> {
    const clientMessageId = input.clientMessageId ?? randomUUID();
    const strategy = input.strategy ?? 'enqueue';
    const result =
      strategy === 'interrupt' ? await this.acceptInterrupting(userId, input, clientMessageId) : await this.acceptQueued(userId, input, clientMessageId, strategy);
    if (result.kind === 'accepted' && result.started) {
      await this.enqueue({ runId: result.runId, threadId: result.threadId, userId, traceparent: input.traceparent });
    }
    return result;
  }

  /**
   * `enqueue` / `reject` in one statement, the duplicate check included: lock the thread (orders this against a
   * hand-over of the same thread), return an earlier acceptance of the same clientMessageId if there is one,
   * else insert message and run and make the run active if the thread is idle.
   *
   * `reject` asks whether a run is in progress (queued or running), not whether the thread names an active run:
   * a run queued behind the active one counts too.
   */
  private async acceptQueued(userId: string, input: AcceptInput, clientMessageId: string, strategy: 'enqueue' | 'reject'): Promise<AcceptResult> {
    const row = await this.accepts.add({ userId, threadId: input.threadId, text: input.text, clientMessageId, strategy });
    if (!row?.thread_found) return { kind: 'not_found' };
    const base = { threadId: input.threadId, clientMessageId };
    if (row.run_id && row.message_id) {
      if (row.duplicate) {
        // The first attempt committed but may never have reached Redis: BullMQ ignores a duplicate job id.
        if (row.requeue) await this.enqueue({ runId: row.run_id, threadId: input.threadId, userId, traceparent: input.traceparent });
        return { kind: 'accepted', ...base, messageId: row.message_id, runId: row.run_id, started: false, duplicate: true };
      }
      return { kind: 'accepted', ...base, messageId: row.message_id, runId: row.run_id, started: row.started, duplicate: false };
    }
    if (strategy === 'reject' && row.busy_run_id) return { kind: 'busy', activeRunId: row.busy_run_id };
    // A concurrent request with the same clientMessageId won the insert after this statement's snapshot.
    const existing = await this.findAccepted(userId, input.threadId, clientMessageId);
    if (!existing) return { kind: 'not_found' };
    return { kind: 'accepted', ...base, ...existing, started: false, duplicate: true };
  }

  /** `interrupt`: cancel everything in progress on the thread and start the new run, in one transaction. */
  private async acceptInterrupting(userId: string, input: AcceptInput, clientMessageId: string): Promise<AcceptResult> {
    const existing = await this.findAccepted(userId, input.threadId, clientMessageId);
    if (existing) return { kind: 'accepted', threadId: input.threadId, clientMessageId, ...existing, started: false, duplicate: true };
    const outcome = await interruptStatement(this.db, userId, input, clientMessageId);
    if (!outcome) return { kind: 'not_found' };
    for (const runId of outcome.cancelled) {
      metrics.runsFinished.inc({ status: 'cancelled' });
      await this.announceCancelled({ runId, threadId: input.threadId, userId }, 'interrupted by a newer message');
      this.emit('ended', { runId, threadId: input.threadId, userId }, 'cancelled', { runWebhooks: false });
    }
    return { kind: 'accepted', threadId: input.threadId, clientMessageId, messageId: outcome.row.message_id, runId: outcome.row.run_id, started: true, duplicate: false };
  }

  /** The ids of an earlier acceptance of the same clientMessageId in the user's thread. */
  async findAccepted(userId: string, threadId: string, clientMessageId: string): Promise<{ messageId: string; runId: string } | null> {
    const rows = await querySql<{ message_id: string; run_id: string }>(
      this.db,
      sql('run_find_accepted')`
      SELECT m.id AS message_id, r.id AS run_id
        FROM messages m JOIN runs r ON r.user_message_id = m.id
       WHERE m.thread_id = ${threadId}::uuid AND m.client_message_id = ${clientMessageId} AND m.user_id = ${userId}::uuid AND m.role = 'user'`,
    );
    const row = rows[0];
    return row ? { messageId: row.message_id, runId: row.run_id } : null;
  }

  // ── claim and checkpoints (the worker) ───────────────────────────────────────────────────────────────────

  /**
   * Moves a queued (or resumed running) run to running and counts the attempt, and returns what the run works
   * from — the user's message, the checkpoints of agents that already completed, the thread's previous report —
   * in one statement, group-committed with the worker's other claims. Null when the run has ended.
   */
  async claim(runId: string): Promise<ClaimedRun | null> {
    const row = await this.claims.add(runId);
    if (!row) return null;
    return {
      id: row.id,
      threadId: row.thread_id,
      userId: row.user_id,
      userMessageId: row.user_message_id,
      previousStatus: row.previous,
      attempts: row.attempts,
      startedAt: row.started_at,
      request: row.request ?? '',
      checkpoints: (row.checkpoints ?? []).map((c) => ({ agent: c.agent as AgentName, output: c.output })),
      previousReport: (row.previous_report ?? null) as Report | null,
      usageRevision: row.usage_revision ?? '0',
    };
  }

  /** Records an agent as running (a later attempt overwrites the earlier attempt's row). */
  async stepStarted(runId: string, step: StartedStep): Promise<void> {
    await this.checkpoints.write({ runId, started: step });
  }

  /**
   * Checkpoints agents' outputs (usually one; the agents that call no model are written together with the next
   * write of the run) and records the next agent as running, in one write group-committed with the writes of the
   * worker's other runs (CheckpointWriter). Resolves once it is durable.
   */
  async stepsCompleted(runId: string, completed: readonly CompletedStep[], next?: StartedStep): Promise<void> {
    await this.checkpoints.write({ runId, completed, ...(next ? { started: next } : {}) });
  }

  /** The agent failed (`failed`) or was stopped by a cancel (`skipped`, only if it was still running). */
  async stepEnded(runId: string, agent: AgentName, status: 'failed' | 'skipped', error: StepError, durationMs: number): Promise<void> {
    await querySql(
      this.db,
      sql('run_step_ended')`
      UPDATE run_steps SET status = ${status}::"StepStatus", error = ${json(error)}::jsonb, finished_at = now(), duration_ms = ${Math.round(durationMs)}
       WHERE run_id = ${runId}::uuid AND agent = ${agent} AND (${status} = 'failed' OR status = 'running')`,
    );
  }

  // ── ends of a run ────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Completes the run, writes its assistant message and hands the thread to its next run — one statement, so a
   * crash cannot leave a completed run holding its thread — then announces `agent_completed` and queues the
   * next run. Returns false when the run was no longer running (cancelled, or completed by an earlier attempt):
   * its own end stands and is re-announced. The report's recommendations are stored by the same statement, and
   * the last agent's step is completed by it (`final`; announced with `agent_completed`, in one append).
   */
  async complete(ref: RunRef, report: Report, recommendations: readonly RecommendationRow[] = [], final?: FinalStep): Promise<boolean> {
    const row = await this.completions.add({ ref, report, recommendations, final });
    if (!row?.message_id) {
      await this.stopped(ref);
      return false;
    }
    metrics.runsFinished.inc({ status: 'completed' });
    await this.deps.events.publishAll(
      ref.userId,
      [
        ...(final
          ? [
              ...final.events,
              { type: 'sub_agent_update' as const, runId: ref.runId, threadId: ref.threadId, agent: final.agent, status: 'completed' as const, summary: final.summary, durationMs: Math.round(final.durationMs) },
            ]
          : []),
        { type: 'agent_completed', runId: ref.runId, threadId: ref.threadId, messageId: row.message_id, report },
      ],
      { once: 'terminal' },
    );
    await this.enqueueNext(ref.threadId, row);
    this.emit('ended', ref, 'completed', { runWebhooks: row.run_webhooks });
    return true;
  }

  /**
   * Ends a queued or running run as `failed` with the reason and hands its thread over (one statement), then
   * announces it and queues the next run. Returns false when the run had already ended (its own end stands).
   */
  async fail(ref: RunRef, reason: StepError): Promise<boolean> {
    const row = await failStatement(this.db, ref, reason);
    if (!row) {
      await this.handOver(ref.threadId, ref.runId);
      return false;
    }
    this.log.warn('run failed', { runId: ref.runId, reason });
    metrics.runsFinished.inc({ status: 'failed' });
    await this.deps.events.publish(ref.userId, { type: 'agent_failed', runId: ref.runId, threadId: ref.threadId, error: reason }, { once: 'terminal' });
    await this.enqueueNext(ref.threadId, row);
    this.emit('ended', ref, 'failed', { runWebhooks: row.run_webhooks });
    return true;
  }

  /**
   * Cancels a queued or running run of the user: `cancelled` first (so no attempt can complete it afterwards),
   * then `agent_stopped` to the user and an abort to whichever worker runs it; the thread passes to its next run.
   */
  async cancel(userId: string, runId: string, reason: string): Promise<CancelOutcome> {
    const row = await cancelStatement(this.db, userId, runId, reason);
    if (!row) return { kind: 'not_found' };
    if (!row.cancelled) return { kind: 'already_ended', status: row.status };
    metrics.runsFinished.inc({ status: 'cancelled' });
    this.log.info('run cancelled', { runId, threadId: row.thread_id });
    await this.announceCancelled({ runId, threadId: row.thread_id, userId }, reason);
    await this.enqueueNext(row.thread_id, row);
    this.emit('ended', { runId, threadId: row.thread_id, userId }, 'cancelled', { runWebhooks: false });
    return { kind: 'cancelled', threadId: row.thread_id };
  }

  /** A worker stopped a run because it was cancelled: make sure its end went out and its thread moved on. */
  async stopped(ref: RunRef): Promise<void> {
    await this.reannounce(ref);
    await this.handOver(ref.threadId, ref.runId);
  }

  /**
   * Tells the user (`agent_stopped`, the run's last event) and the worker running the run, wherever it is, to
   * abort; a queued job that never started is removed.
   */
  private async announceCancelled(ref: RunRef, reason: string): Promise<void> {
    await this.deps.events.publish(ref.userId, { type: 'agent_stopped', runId: ref.runId, threadId: ref.threadId, reason }, { once: 'terminal' });
    await ControlChannel.publishCancel(this.deps.redis, this.deps.names, { runId: ref.runId, reason });
    await this.deps.queue.remove(ref.runId).catch((error: unknown) => {
      // A job locked by a worker cannot be removed; that worker aborts it on the cancel just published.
      this.log.debug('queued job not removed', { runId: ref.runId, ...errorFields(error) });
      return 0;
    });
  }

  /**
   * A run this caller cannot (or no longer needs to) execute: if it ended, its terminal event goes out — at most
   * once, so an attempt that crashed after committing the end completes the story without duplicating it.
   */
  async reannounce(ref: RunRef): Promise<void> {
    const outcome = await this.outcome(ref.runId);
    if (!outcome) return;
    const base = { runId: ref.runId, threadId: ref.threadId };
    if (outcome.status === 'completed' && outcome.report && outcome.messageId) {
      await this.deps.events.publish(ref.userId, { type: 'agent_completed', ...base, messageId: outcome.messageId, report: outcome.report }, { once: 'terminal' });
    } else if (outcome.status === 'failed') {
      await this.deps.events.publish(ref.userId, { type: 'agent_failed', ...base, error: outcome.error ?? TERMINAL_ERROR }, { once: 'terminal' });
    } else if (outcome.status === 'cancelled') {
      await this.deps.events.publish(ref.userId, { type: 'agent_stopped', ...base, reason: outcome.error?.message ?? 'cancelled' }, { once: 'terminal' });
    }
  }

  /** A run's state and assistant message (null when the run does not exist). */
  async outcome(runId: string): Promise<{ status: RunStatus; report: Report | null; messageId: string | null; error: StepError | null } | null> {
    const rows = await querySql<{ status: RunStatus; report: Report | null; error: StepError | null; message_id: string | null }>(
      this.db,
      sql('run_outcome')`
      SELECT r.status::text AS status, r.report, r.error, m.id AS message_id
        FROM runs r LEFT JOIN messages m ON m.run_id = r.id
       WHERE r.id = ${runId}::uuid`,
    );
    const row = rows[0];
    return row ? { status: row.status, report: row.report, messageId: row.message_id, error: row.error } : null;
  }

  /** Which of these runs have been cancelled (a worker's check after its control channel was down). */
  async cancelledAmong(runIds: readonly string[]): Promise<string[]> {
    if (runIds.length === 0) return [];
    const rows = await querySql<{ id: string }>(
      this.db,
      sql('run_cancelled_among')`SELECT id FROM runs WHERE id = ANY(${[...runIds]}::uuid[]) AND status = 'cancelled'`,
    );
    return rows.map((r) => r.id);
  }

  // ── hand-over and queue ─────────────────────────────────────────────────────────────────────────────────────

  /**
   * Hands the thread to its next queued run once `finishedRunId` has ended (null: repair a thread with queued
   * runs but no active one), and queues that run. Safe to call more than once.
   */
  async handOver(threadId: string, finishedRunId: string | null): Promise<void> {
    const rows = await querySql<{ run_id: string; user_id: string }>(
      this.db,
      sql('run_hand_over')`SELECT run_id, user_id FROM netra_activate_next_run(${threadId}::uuid, ${finishedRunId}::uuid)`,
    );
    const next = rows[0];
    if (next) await this.enqueue({ runId: next.run_id, threadId, userId: next.user_id });
  }

  /** Queues the run a statement handed the thread to, if it did. */
  private async enqueueNext(threadId: string, handedTo: { next_run_id: string | null; next_user_id: string | null }): Promise<void> {
    if (handedTo.next_run_id && handedTo.next_user_id) await this.enqueue({ runId: handedTo.next_run_id, threadId, userId: handedTo.next_user_id });
  }

  /**
   * Puts an active run on the queue (idempotent: the job id is the run id). Returns false when Redis could not be
   * reached: the run is safely stored and the reconciler enqueues it once Redis is back, so the caller still
   * reports the message as accepted.
   */
  async enqueue(run: RunRef & { traceparent?: string | undefined }): Promise<boolean> {
    try {
      const { traceparent, ...ref } = run;
      // Only the accepting request hands its trace on: a run started later by a hand-over or the reconciler
      // begins a trace of its own rather than joining an unrelated run's.
      await enqueueRun(this.deps.queue, { ...ref, acceptedAt: Date.now(), ...(traceparent ? { traceparent } : {}) }, { maxAttempts: this.deps.maxAttempts });
      this.emit('enqueued', ref);
      return true;
    } catch (error) {
      this.log.warn('could not enqueue run now; the reconciler will', { runId: run.runId, ...errorFields(error) });
      return false;
    }
  }
}

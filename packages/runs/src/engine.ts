import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { RUN_WEBHOOK_EVENTS, type AgentName, type DoubleTextStrategy, type Report, type RunEventDraft, type RunStatus } from '@netra/contracts';
import { ControlChannel, enqueueRun, type Redis, type RedisNames, type RunEventLog, type RunQueue } from '@netra/bus';
import { querySql, sql, transactionSql, type Db, type RecommendationRow } from '@netra/db';
import { errorFields, logger, metrics } from '@netra/observability';
import { CheckpointWriter, type CompletedStep, type StartedStep } from './checkpoints.js';
import { GroupCommit, type GroupCommitLimits } from './group-commit.js';
import { IN_PROGRESS, sourcesOf } from './transitions.js';

/** A run as the queue, the events and the hand-over know it. */
export interface RunRef {
  runId: string;
  threadId: string;
  userId: string;
}

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

/** What the claim statement returns per run. */
type ClaimRow = {
  id: string;
  thread_id: string;
  user_id: string;
  user_message_id: string;
  previous: 'queued' | 'running';
  attempts: number;
  started_at: Date;
  request: string | null;
  checkpoints: { agent: string; output: unknown }[] | null;
  previous_report: unknown;
  usage_revision: string | null;
};

/** A message to accept (`enqueue` or `reject`), as `acceptQueued` was called. */
interface AcceptItem {
  userId: string;
  threadId: string;
  text: string;
  clientMessageId: string;
  strategy: 'enqueue' | 'reject';
}

/** What the accept statement returns per message. */
type AcceptRow = {
  thread_found: boolean;
  message_id: string | null;
  run_id: string | null;
  started: boolean;
  duplicate: boolean;
  requeue: boolean;
  busy_run_id: string | null;
};

/** A run to complete, as `complete` was called. */
interface Completion {
  ref: RunRef;
  report: Report;
  recommendations: readonly RecommendationRow[];
  final: FinalStep | undefined;
}

/** What the completion statement returns per run it completed. */
type CompleteRow = {
  run_id: string;
  message_id: string | null;
  next_run_id: string | null;
  next_user_id: string | null;
  run_webhooks: boolean;
};

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
 * checkpoints of concurrent runs are group-committed.
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
    this.accepts = new GroupCommit((items) => this.acceptStatement(items), { ...deps.groupCommit, key: (item) => item.threadId, flushWhenIdle: true });
    this.claims = new GroupCommit((runIds) => this.claimStatement(runIds), deps.groupCommit);
    this.completions = new GroupCommit((items) => this.completeStatement(items), deps.groupCommit);
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

  /**
   * The accepts of a batch (never two of one thread: GroupCommit's key) in one statement, each as `acceptQueued`
   * describes. The threads are locked in id order, so two batches that share threads wait instead of deadlocking.
   */
  private async acceptStatement(items: AcceptItem[]): Promise<(AcceptRow | undefined)[]> {
    const input = items.map((item, idx) => ({ idx, thread_id: item.threadId, user_id: item.userId, text: item.text, client_message_id: item.clientMessageId, strategy: item.strategy }));
    const rows = await querySql<AcceptRow & { idx: number }>(
      this.db,
      sql('run_accept')`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${json(input)}::jsonb)
                 AS i(idx int, thread_id uuid, user_id uuid, text text, client_message_id text, strategy text)
      ), thread AS (
        SELECT i.idx, t.id, t.active_run_id,
               (SELECT r.id FROM runs r
                 -- IN_PROGRESS spelled out (transitions.test.ts holds them equal): with literals, the cached plan
                 -- finds the thread's unfinished runs through (thread_id, status) instead of walking its history.
                 WHERE r.thread_id = t.id AND r.status IN ('queued', 'running')
                 ORDER BY r.seq LIMIT 1) AS busy_run_id
          FROM input i
          -- The thread ids again as an array: the threads are found through the primary key, not by hashing.
          JOIN threads t ON t.id = ANY(${items.map((item) => item.threadId)}::uuid[]) AND t.id = i.thread_id AND t.user_id = i.user_id
         ORDER BY t.id
           FOR UPDATE OF t
      ), existing AS (
        SELECT t.idx, m.id AS message_id, r.id AS run_id,
               (r.status = 'queued' AND r.id = t.active_run_id) AS requeue
          FROM thread t
          JOIN input i ON i.idx = t.idx
          JOIN messages m ON m.thread_id = t.id AND m.client_message_id = i.client_message_id AND m.role = 'user'
          JOIN runs r ON r.user_message_id = m.id
      ), msg AS (
        INSERT INTO messages (thread_id, user_id, role, content, client_message_id)
        SELECT t.id, i.user_id, 'user', i.text, i.client_message_id
          FROM thread t JOIN input i ON i.idx = t.idx
         WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.idx = t.idx) AND (i.strategy <> 'reject' OR t.busy_run_id IS NULL)
        ON CONFLICT (thread_id, client_message_id) DO NOTHING
        RETURNING id, thread_id
      ), run AS (
        INSERT INTO runs (thread_id, user_id, user_message_id, strategy)
        SELECT msg.thread_id, i.user_id, msg.id, i.strategy FROM msg JOIN input i ON i.thread_id = msg.thread_id
        RETURNING id, user_message_id, thread_id
      ), activated AS (
        UPDATE threads SET active_run_id = run.id, updated_at = now()
          FROM run JOIN thread t ON t.id = run.thread_id
         WHERE threads.id = run.thread_id AND t.active_run_id IS NULL
        RETURNING threads.id
      )
      SELECT i.idx,
             t.id IS NOT NULL AS thread_found,
             coalesce(run.user_message_id, e.message_id) AS message_id,
             coalesce(run.id, e.run_id) AS run_id,
             a.id IS NOT NULL AS started,
             e.idx IS NOT NULL AS duplicate,
             coalesce(e.requeue, false) AS requeue,
             t.busy_run_id
        FROM input i
        LEFT JOIN thread t ON t.idx = i.idx
        LEFT JOIN existing e ON e.idx = i.idx
        LEFT JOIN run ON run.thread_id = t.id
        LEFT JOIN activated a ON a.id = run.thread_id`,
    );
    const byIdx = new Map(rows.map((row) => [row.idx, row]));
    return items.map((_, idx) => byIdx.get(idx));
  }

  /** `interrupt`: cancel everything in progress on the thread and start the new run, in one transaction. */
  private async acceptInterrupting(userId: string, input: AcceptInput, clientMessageId: string): Promise<AcceptResult> {
    const existing = await this.findAccepted(userId, input.threadId, clientMessageId);
    if (existing) return { kind: 'accepted', threadId: input.threadId, clientMessageId, ...existing, started: false, duplicate: true };
    const error = JSON.stringify({ code: 'interrupted', message: 'Interrupted by a newer message' });
    const outcome = await transactionSql(this.db, async (query) => {
      const thread = await query<{ id: string }>(sql('run_interrupt_lock')`
        SELECT id FROM threads WHERE id = ${input.threadId}::uuid AND user_id = ${userId}::uuid FOR UPDATE`);
      if (thread.length === 0) return null;
      const cancelled = await query<{ id: string }>(sql('run_interrupt_cancel')`
        UPDATE runs SET status = 'cancelled', finished_at = now(), cancel_requested_at = now(), error = ${error}::jsonb
         WHERE thread_id = ${input.threadId}::uuid AND status = ANY(${sourcesOf('cancelled')}::"RunStatus"[])
     RETURNING id`);
      const created = await query<{ message_id: string; run_id: string }>(sql('run_interrupt_insert')`
        WITH msg AS (
          INSERT INTO messages (thread_id, user_id, role, content, client_message_id)
          VALUES (${input.threadId}::uuid, ${userId}::uuid, 'user', ${input.text}, ${clientMessageId})
          RETURNING id, thread_id
        ), run AS (
          INSERT INTO runs (thread_id, user_id, user_message_id, strategy)
          SELECT thread_id, ${userId}::uuid, id, 'interrupt' FROM msg
          RETURNING id, user_message_id
        ), activated AS (
          UPDATE threads SET active_run_id = (SELECT id FROM run), updated_at = now() WHERE id = ${input.threadId}::uuid
        )
        SELECT user_message_id AS message_id, id AS run_id FROM run`);
      const row = created[0];
      if (!row) throw new Error('interrupt insert returned no row');
      return { row, cancelled: cancelled.map((r) => r.id) };
    });
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

  /**
   * The claims of a batch in one statement. The runs are locked in id order, so two batches that share a run (a
   * job taken over while its first worker still claims it) wait for each other instead of deadlocking.
   */
  private async claimStatement(runIds: string[]): Promise<(ClaimRow | undefined)[]> {
    const rows = await querySql<ClaimRow>(
      this.db,
      sql('run_claim')`
      WITH prev AS (SELECT id, status FROM runs WHERE id = ANY(${runIds}::uuid[]) ORDER BY id FOR UPDATE)
      UPDATE runs r
         SET status = 'running', attempts = r.attempts + 1, started_at = coalesce(r.started_at, now())
        FROM prev
       WHERE r.id = prev.id AND prev.status::text = ANY(${sourcesOf('running')}::text[])
   RETURNING r.id, r.thread_id, r.user_id, r.user_message_id, prev.status::text AS previous, r.attempts, r.started_at,
             (SELECT m.content FROM messages m WHERE m.id = r.user_message_id) AS request,
             (SELECT json_agg(json_build_object('agent', s.agent, 'output', s.output))
                FROM run_steps s WHERE s.run_id = r.id AND s.status = 'completed') AS checkpoints,
             (SELECT p.report FROM runs p
               WHERE p.thread_id = r.thread_id AND p.status = 'completed' AND p.id <> r.id AND p.report IS NOT NULL
               ORDER BY p.seq DESC LIMIT 1) AS previous_report,
             (SELECT max(c.seq)::text FROM usage_changes c WHERE c.user_id = r.user_id) AS usage_revision`,
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return runIds.map((id) => byId.get(id));
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
      await this.reannounce(ref);
      await this.handOver(ref.threadId, ref.runId);
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
    if (row.next_run_id && row.next_user_id) await this.enqueue({ runId: row.next_run_id, threadId: ref.threadId, userId: row.next_user_id });
    this.emit('ended', ref, 'completed', { runWebhooks: row.run_webhooks });
    return true;
  }
  /**
   * The completions of a batch in one statement: each run that is still running moves to completed with its
   * report (sent once: the answer and the last step take it from the run's row), its answer, its recommendations
   * and its last step, and its thread goes to its next run. Runs that were no longer running get no row.
   */
  private async completeStatement(items: Completion[]): Promise<(CompleteRow | undefined)[]> {
    const runs = items.map(({ ref, report, final }) => ({
      run_id: ref.runId,
      report,
      summary: report.summary,
      step_agent: final?.agent ?? null,
      step_summary: final?.summary ?? null,
      step_ms: final ? Math.round(final.durationMs) : null,
    }));
    const recs = items.flatMap(({ ref, recommendations }) => recommendations.map((r) => ({ run_id: ref.runId, ...recommendationRecord(r) })));
    const rows = await querySql<CompleteRow>(
      this.db,
      sql('run_complete')`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${json(runs)}::jsonb)
                   AS i(run_id uuid, report jsonb, summary text, step_agent text, step_summary text, step_ms int)
      ), done AS (
        UPDATE runs r SET status = 'completed', report = i.report, finished_at = now()
          FROM input i
         -- The run ids again as an array: the rows are found through the primary key, not by hashing.
         WHERE r.id = ANY(${runs.map((r) => r.run_id)}::uuid[]) AND r.id = i.run_id
           AND r.status::text = ANY(${sourcesOf('completed')}::text[])
     RETURNING r.id, r.thread_id, r.user_id, r.report, i.summary, i.step_agent, i.step_summary, i.step_ms
      ), msg AS (
        INSERT INTO messages (thread_id, user_id, role, content, report, run_id)
        SELECT thread_id, user_id, 'assistant', summary, report, id FROM done
        ON CONFLICT (run_id) DO NOTHING
        RETURNING id, run_id
      ), recs AS (
        INSERT INTO recommendations (id, user_id, run_id, position, title, strategy, app, model, estimated_monthly_savings_usd, window_from, window_to, rollback)
        SELECT x.id, done.user_id, done.id, x.position, x.title, x.strategy, x.app, x.model, x.usd, x.window_from, x.window_to, x.rollback
          FROM done JOIN jsonb_to_recordset(${json(recs)}::jsonb)
               AS x(run_id uuid, id uuid, position int, title text, strategy text, app text, model text, usd float8, window_from timestamptz, window_to timestamptz, rollback text)
            ON x.run_id = done.id
        ON CONFLICT (run_id, position) DO NOTHING
      ), final_step AS (
        UPDATE run_steps s
           SET status = 'completed', output = done.report, summary = done.step_summary, finished_at = now(), duration_ms = done.step_ms
          FROM done
         WHERE s.run_id = done.id AND s.agent = done.step_agent
      )
      SELECT done.id AS run_id, msg.id AS message_id, next.run_id AS next_run_id, next.user_id AS next_user_id,
             EXISTS (SELECT 1 FROM webhooks w WHERE w.user_id = done.user_id AND w.active AND w.events && ${[...RUN_WEBHOOK_EVENTS]}::text[]) AS run_webhooks
        FROM done LEFT JOIN msg ON msg.run_id = done.id
        LEFT JOIN LATERAL netra_activate_next_run(done.thread_id, done.id) next ON true`,
    );
    const byRun = new Map(rows.map((row) => [row.run_id, row]));
    return items.map(({ ref }) => byRun.get(ref.runId));
  }


  /**
   * Ends a queued or running run as `failed` with the reason and hands its thread over (one statement), then
   * announces it and queues the next run. Returns false when the run had already ended (its own end stands).
   */
  async fail(ref: RunRef, reason: StepError): Promise<boolean> {
    const rows = await querySql<{ next_run_id: string | null; next_user_id: string | null; run_webhooks: boolean }>(
      this.db,
      sql('run_fail')`
      WITH done AS (
        UPDATE runs SET status = 'failed', error = ${json(reason)}::jsonb, finished_at = now()
         WHERE id = ${ref.runId}::uuid AND status::text = ANY(${sourcesOf('failed')}::text[])
     RETURNING id, thread_id, user_id
      )
      SELECT next.run_id AS next_run_id, next.user_id AS next_user_id, EXISTS (SELECT 1 FROM webhooks w WHERE w.user_id = done.user_id AND w.active AND w.events && ${[...RUN_WEBHOOK_EVENTS]}::text[]) AS run_webhooks
        FROM done LEFT JOIN LATERAL netra_activate_next_run(done.thread_id, done.id) next ON true`,
    );
    const row = rows[0];
    if (!row) {
      await this.handOver(ref.threadId, ref.runId);
      return false;
    }
    this.log.warn('run failed', { runId: ref.runId, reason });
    metrics.runsFinished.inc({ status: 'failed' });
    await this.deps.events.publish(ref.userId, { type: 'agent_failed', runId: ref.runId, threadId: ref.threadId, error: reason }, { once: 'terminal' });
    if (row.next_run_id && row.next_user_id) await this.enqueue({ runId: row.next_run_id, threadId: ref.threadId, userId: row.next_user_id });
    this.emit('ended', ref, 'failed', { runWebhooks: row.run_webhooks });
    return true;
  }

  /**
   * Cancels a queued or running run of the user: `cancelled` first (so no attempt can complete it afterwards),
   * then `agent_stopped` to the user and an abort to whichever worker runs it; the thread passes to its next run.
   */
  async cancel(userId: string, runId: string, reason: string): Promise<CancelOutcome> {
    const error = JSON.stringify({ code: 'cancelled', message: reason });
    const rows = await querySql<{ thread_id: string; status: RunStatus; cancelled: boolean; next_run_id: string | null; next_user_id: string | null }>(
      this.db,
      sql('run_cancel')`
      WITH target AS (
        SELECT r.id, r.thread_id, r.status
          FROM runs r JOIN threads t ON t.id = r.thread_id
         WHERE r.id = ${runId}::uuid AND r.user_id = ${userId}::uuid
           FOR UPDATE OF t
      ), done AS (
        UPDATE runs SET status = 'cancelled', finished_at = now(), cancel_requested_at = now(), error = ${error}::jsonb
          FROM target
         WHERE runs.id = target.id AND runs.status::text = ANY(${sourcesOf('cancelled')}::text[])
     RETURNING runs.id, runs.thread_id
      )
      SELECT target.thread_id, target.status::text AS status, (done.id IS NOT NULL) AS cancelled,
             next.run_id AS next_run_id, next.user_id AS next_user_id
        FROM target LEFT JOIN done ON true
        LEFT JOIN LATERAL (SELECT * FROM netra_activate_next_run(done.thread_id, done.id) WHERE done.id IS NOT NULL) next ON true`,
    );
    const row = rows[0];
    if (!row) return { kind: 'not_found' };
    if (!row.cancelled) return { kind: 'already_ended', status: row.status };
    metrics.runsFinished.inc({ status: 'cancelled' });
    this.log.info('run cancelled', { runId, threadId: row.thread_id });
    await this.announceCancelled({ runId, threadId: row.thread_id, userId }, reason);
    if (row.next_run_id && row.next_user_id) await this.enqueue({ runId: row.next_run_id, threadId: row.thread_id, userId: row.next_user_id });
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

/** The column names `jsonb_to_recordset` reads in `complete`. */
function recommendationRecord(r: RecommendationRow): Record<string, unknown> {
  return { id: r.id, position: r.position, title: r.title, strategy: r.strategy, app: r.app, model: r.model, usd: r.estimatedMonthlySavingsUsd, window_from: r.windowFrom, window_to: r.windowTo, rollback: r.rollback };
}

/** JSON text for a `::jsonb` parameter (outputs are zod-validated plain data; `undefined` fields drop out). */
function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

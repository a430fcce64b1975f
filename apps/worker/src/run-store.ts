import type { AgentName, Report } from '@netra/contracts';
import { Prisma, type Db } from '@netra/db';

/** What the worker needs to know about a run it has claimed. */
export interface ClaimedRun {
  id: string;
  threadId: string;
  userId: string;
  userMessageId: string;
  /** Status before this claim: `queued` on a first attempt, `running` when resuming after a crash. */
  previousStatus: 'queued' | 'running';
  attempts: number;
  startedAt: Date;
  /** The user's message. */
  request: string;
  /** Outputs of the agents that completed in an earlier attempt. */
  checkpoints: Checkpoint[];
  /** The report of the thread's previous completed run, for follow-up questions. */
  previousReport: Report | null;
}

export interface Checkpoint {
  agent: AgentName;
  output: unknown;
}

export interface StepError {
  code: string;
  message: string;
}

/**
 * The worker's reads and writes of a run. Every transition is a conditional UPDATE guarded by the state machine
 * (@netra/db run-state), so a retried job, a cancel and a completion racing each other leave exactly one
 * terminal state.
 */
export class RunStore {
  constructor(private readonly db: Db) {}

  /**
   * Moves a queued (or crashed-running) run to running and counts the attempt, and returns what the run works
   * from — the user's message, the checkpoints of agents that already completed (a retry resumes after them),
   * and the thread's previous report (follow-ups) — in one statement. Null when the run has ended.
   */
  async claim(runId: string): Promise<ClaimedRun | null> {
    const rows = await this.db.$queryRaw<
      {
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
      }[]
    >`
      WITH prev AS (SELECT id, status FROM runs WHERE id = ${runId}::uuid FOR UPDATE)
      UPDATE runs r
         SET status = 'running', attempts = r.attempts + 1, started_at = coalesce(r.started_at, now())
        FROM prev
       WHERE r.id = prev.id AND prev.status IN ('queued', 'running')
   RETURNING r.id, r.thread_id, r.user_id, r.user_message_id, prev.status::text AS previous, r.attempts, r.started_at,
             (SELECT m.content FROM messages m WHERE m.id = r.user_message_id) AS request,
             (SELECT json_agg(json_build_object('agent', s.agent, 'output', s.output))
                FROM run_steps s WHERE s.run_id = r.id AND s.status = 'completed') AS checkpoints,
             (SELECT p.report FROM runs p
               WHERE p.thread_id = r.thread_id AND p.status = 'completed' AND p.id <> r.id AND p.report IS NOT NULL
               ORDER BY p.seq DESC LIMIT 1) AS previous_report`;
    const row = rows[0];
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
    };
  }

  /** Records an agent as running (a retry of the run overwrites the earlier attempt's row). */
  async stepStarted(runId: string, agent: AgentName, position: number, attempt: number, input: unknown): Promise<void> {
    await this.db.$executeRaw`
      INSERT INTO run_steps (run_id, agent, position, status, attempt, input, started_at)
      VALUES (${runId}::uuid, ${agent}, ${position}, 'running', ${attempt}, ${json(input)}::jsonb, now())
      ON CONFLICT (run_id, agent) DO UPDATE
        SET status = 'running', attempt = EXCLUDED.attempt, input = EXCLUDED.input, output = NULL, error = NULL,
            summary = NULL, started_at = now(), finished_at = NULL, duration_ms = NULL`;
  }

  /**
   * Checkpoints an agent's output and, in the same statement, records the next agent as running: one round trip
   * per sub-agent instead of two.
   */
  async stepCompleted(
    runId: string,
    agent: AgentName,
    output: unknown,
    summary: string,
    durationMs: number,
    next?: { agent: AgentName; position: number; attempt: number; input: unknown },
  ): Promise<void> {
    const done = { output: json(output), ms: Math.round(durationMs) };
    if (!next) {
      await this.db.$executeRaw`
        UPDATE run_steps SET status = 'completed', output = ${done.output}::jsonb, summary = ${summary}, finished_at = now(), duration_ms = ${done.ms}
         WHERE run_id = ${runId}::uuid AND agent = ${agent}`;
      return;
    }
    await this.db.$executeRaw`
      WITH done AS (
        UPDATE run_steps SET status = 'completed', output = ${done.output}::jsonb, summary = ${summary}, finished_at = now(), duration_ms = ${done.ms}
         WHERE run_id = ${runId}::uuid AND agent = ${agent}
      )
      INSERT INTO run_steps (run_id, agent, position, status, attempt, input, started_at)
      VALUES (${runId}::uuid, ${next.agent}, ${next.position}, 'running', ${next.attempt}, ${json(next.input)}::jsonb, now())
      ON CONFLICT (run_id, agent) DO UPDATE
        SET status = 'running', attempt = EXCLUDED.attempt, input = EXCLUDED.input, output = NULL, error = NULL,
            summary = NULL, started_at = now(), finished_at = NULL, duration_ms = NULL`;
  }

  async stepFailed(runId: string, agent: AgentName, error: StepError, durationMs: number): Promise<void> {
    await this.db.runStep.update({
      where: { runId_agent: { runId, agent } },
      data: { status: 'failed', error: toJson(error), finishedAt: new Date(), durationMs: Math.round(durationMs) },
    });
  }

  /** The step in flight when the run was cancelled. */
  async stepStopped(runId: string, agent: AgentName, error: StepError, durationMs: number): Promise<void> {
    await this.db.runStep.updateMany({
      where: { runId, agent, status: 'running' },
      data: { status: 'skipped', error: toJson(error), finishedAt: new Date(), durationMs: Math.round(durationMs) },
    });
  }

  /**
   * Completes the run and writes its assistant message in one statement: the message is inserted only if this
   * call moved the run to `completed`, and at most once per run (unique run_id). Returns the message id, or null
   * when the run was no longer running (cancelled, or completed by an earlier attempt).
   */
  async complete(runId: string, report: Report): Promise<string | null> {
    const json = JSON.stringify(report);
    const rows = await this.db.$queryRaw<{ id: string }[]>`
      WITH done AS (
        UPDATE runs SET status = 'completed', report = ${json}::jsonb, finished_at = now()
         WHERE id = ${runId}::uuid AND status = 'running'
     RETURNING id, thread_id, user_id)
      INSERT INTO messages (thread_id, user_id, role, content, report, run_id)
      SELECT thread_id, user_id, 'assistant', ${report.summary}, ${json}::jsonb, id FROM done
      ON CONFLICT (run_id) DO NOTHING
      RETURNING id`;
    return rows[0]?.id ?? null;
  }

  /** The run's terminal state and assistant message, for re-announcing a run an earlier attempt finished. */
  async outcome(runId: string): Promise<{ status: string; report: Report | null; messageId: string | null; error: StepError | null } | null> {
    const run = await this.db.run.findUnique({
      where: { id: runId },
      select: { status: true, report: true, error: true, assistantMessage: { select: { id: true } } },
    });
    if (!run) return null;
    return {
      status: run.status,
      report: (run.report ?? null) as Report | null,
      messageId: run.assistantMessage?.id ?? null,
      error: (run.error ?? null) as StepError | null,
    };
  }
}

/** JSON text for a `::jsonb` parameter (outputs are zod-validated plain data). */
function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

function toJson(value: unknown): Prisma.InputJsonValue {
  // Outputs are zod-validated plain data; the round trip drops `undefined` fields Postgres JSON cannot hold.
  return JSON.parse(JSON.stringify(value ?? null)) as Prisma.InputJsonValue;
}

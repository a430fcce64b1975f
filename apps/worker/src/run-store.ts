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

  /** Moves a queued (or crashed-running) run to running and counts the attempt. Null when it is finished. */
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
      }[]
    >`
      WITH prev AS (SELECT id, status FROM runs WHERE id = ${runId}::uuid FOR UPDATE)
      UPDATE runs r
         SET status = 'running', attempts = r.attempts + 1, started_at = coalesce(r.started_at, now())
        FROM prev
       WHERE r.id = prev.id AND prev.status IN ('queued', 'running')
   RETURNING r.id, r.thread_id, r.user_id, r.user_message_id, prev.status::text AS previous, r.attempts, r.started_at`;
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
    };
  }

  /** The user's message, the checkpoints of agents that already completed, and the thread's previous report. */
  async loadContext(run: ClaimedRun): Promise<{ request: string; checkpoints: Checkpoint[]; previousReport: Report | null }> {
    const [message, steps, previous] = await Promise.all([
      this.db.message.findUnique({ where: { id: run.userMessageId }, select: { content: true } }),
      this.db.runStep.findMany({ where: { runId: run.id, status: 'completed' }, select: { agent: true, output: true } }),
      this.db.run.findFirst({
        where: { threadId: run.threadId, status: 'completed', id: { not: run.id }, report: { not: Prisma.DbNull } },
        orderBy: { seq: 'desc' },
        select: { report: true },
      }),
    ]);
    return {
      request: message?.content ?? '',
      checkpoints: steps.map((s) => ({ agent: s.agent as AgentName, output: s.output })),
      previousReport: (previous?.report ?? null) as Report | null,
    };
  }

  async stepStarted(runId: string, agent: AgentName, position: number, attempt: number, input: unknown): Promise<void> {
    const data = {
      status: 'running' as const,
      attempt,
      input: toJson(input),
      output: Prisma.DbNull,
      error: Prisma.DbNull,
      summary: null,
      startedAt: new Date(),
      finishedAt: null,
      durationMs: null,
    };
    await this.db.runStep.upsert({
      where: { runId_agent: { runId, agent } },
      create: { runId, agent, position, ...data },
      update: data,
    });
  }

  async stepCompleted(runId: string, agent: AgentName, output: unknown, summary: string, durationMs: number): Promise<void> {
    await this.db.runStep.update({
      where: { runId_agent: { runId, agent } },
      data: { status: 'completed', output: toJson(output), summary, finishedAt: new Date(), durationMs: Math.round(durationMs) },
    });
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

function toJson(value: unknown): Prisma.InputJsonValue {
  // Outputs are zod-validated plain data; the round trip drops `undefined` fields Postgres JSON cannot hold.
  return JSON.parse(JSON.stringify(value ?? null)) as Prisma.InputJsonValue;
}

import type { CancelResult, ListRunsQuery, Run, RunPage } from '@netra/contracts';
import { decodeCursor, toPage, type Db, type Prisma } from '@netra/db';
import { logger } from '@netra/observability';
import { toRun } from './mappers.js';
import { notOwned } from './ownership.js';
import type { RunScheduler } from '@netra/runs';

export class RunService {
  private readonly log = logger.child({ component: 'runs' });

  constructor(
    private readonly db: Db,
    private readonly scheduler: RunScheduler,
  ) {}

  async get(userId: string, runId: string): Promise<Run> {
    const row = await this.db.run.findFirst({
      where: { id: runId, userId },
      include: { assistantMessage: { select: { id: true } }, steps: { orderBy: { position: 'asc' } } },
    });
    if (!row) throw await notOwned(this.db, 'run', runId, userId);
    return toRun(row);
  }

  /** A thread's runs, newest first, keyset-paginated on (createdAt, id); its intent from the report, if any. */
  async list(userId: string, threadId: string, query: ListRunsQuery): Promise<RunPage> {
    const thread = await this.db.thread.findFirst({ where: { id: threadId, userId }, select: { id: true } });
    if (!thread) throw await notOwned(this.db, 'thread', threadId, userId);
    const where: Prisma.RunWhereInput = { threadId };
    if (query.cursor) {
      const c = decodeCursor(query.cursor);
      where.OR = [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }];
    }
    const rows = await this.db.run.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
      include: { assistantMessage: { select: { id: true } }, steps: { where: { agent: 'triage' }, select: { output: true } } },
    });
    return toPage(rows, query.limit, (row) => {
      const { report: _report, steps: _steps, ...run } = toRun({ ...row, report: null, steps: [] });
      const triage = row.steps[0]?.output as { intent?: unknown } | null | undefined;
      return { ...run, intent: typeof triage?.intent === 'string' ? triage.intent : null };
    });
  }

  /** The thread of a run the user owns (404 otherwise). */
  async threadOf(userId: string, runId: string): Promise<string> {
    const row = await this.db.run.findFirst({ where: { id: runId, userId }, select: { threadId: true } });
    if (!row) throw await notOwned(this.db, 'run', runId, userId);
    return row.threadId;
  }

  /**
   * Cancels a queued or running run: `cancelled` in Postgres first (so no attempt can complete it afterwards),
   * then `agent_stopped` to the user and an abort to whichever worker runs it; the thread passes to its next run.
   * Cancelling a finished run changes nothing and says so.
   */
  async cancel(userId: string, runId: string, reason = 'cancelled by the user'): Promise<CancelResult> {
    const rows = await this.db.$queryRaw<{ thread_id: string; was_active: boolean }[]>`
      WITH target AS (
        SELECT r.id, r.thread_id, (t.active_run_id = r.id) AS was_active
          FROM runs r JOIN threads t ON t.id = r.thread_id
         WHERE r.id = ${runId}::uuid AND r.user_id = ${userId}::uuid
           FOR UPDATE OF t
      )
      UPDATE runs SET status = 'cancelled', finished_at = now(), cancel_requested_at = now(),
                      error = ${JSON.stringify({ code: 'cancelled', message: reason })}::jsonb
        FROM target
       WHERE runs.id = target.id AND runs.status IN ('queued', 'running')
   RETURNING target.thread_id, target.was_active`;
    const row = rows[0];
    if (!row) {
      const current = await this.db.run.findFirst({ where: { id: runId, userId }, select: { status: true } });
      if (!current) throw await notOwned(this.db, 'run', runId, userId);
      return { runId, status: current.status, cancelled: false, message: `Run already ${current.status}; nothing to cancel` };
    }
    this.log.info('run cancelled', { runId, threadId: row.thread_id });
    await this.scheduler.announceCancelled({ runId, threadId: row.thread_id, userId }, reason);
    if (row.was_active) await this.scheduler.advance(row.thread_id, runId);
    return { runId, status: 'cancelled', cancelled: true, message: 'Run cancelled' };
  }
}

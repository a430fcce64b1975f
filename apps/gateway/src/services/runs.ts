import type { CancelResult, ListRunsQuery, Run, RunPage } from '@netra/contracts';
import { decodeCursor, toPage, type Db, type Prisma } from '@netra/db';
import { toRun } from './mappers.js';
import { notOwned } from './ownership.js';
import type { RunEngine } from '@netra/runs';

export class RunService {
  constructor(
    private readonly db: Db,
    private readonly engine: RunEngine,
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

  /** Cancels a queued or running run (the engine's cancel); cancelling a finished run changes nothing and says so. */
  async cancel(userId: string, runId: string, reason = 'cancelled by the user'): Promise<CancelResult> {
    const outcome = await this.engine.cancel(userId, runId, reason);
    if (outcome.kind === 'not_found') throw await notOwned(this.db, 'run', runId, userId);
    if (outcome.kind === 'already_ended') {
      return { runId, status: outcome.status, cancelled: false, message: `Run already ${outcome.status}; nothing to cancel` };
    }
    return { runId, status: 'cancelled', cancelled: true, message: 'Run cancelled' };
  }
}

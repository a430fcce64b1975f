import { randomUUID } from 'node:crypto';
import {
  NotFoundError,
  ThreadBusyError,
  type DoubleTextStrategy,
  type ListMessagesQuery,
  type MessageAccepted,
  type MessagePage,
} from '@netra/contracts';
import { decodeCursor, toPage, type Db, type Prisma } from '@netra/db';
import { currentTraceparent, logger, metrics } from '@netra/observability';
import { toMessage } from './mappers.js';
import { notOwned } from './ownership.js';
import type { QueueDepth } from './queue-depth.js';
import type { RunScheduler } from '@netra/runs';

export interface NewMessage {
  threadId: string;
  text: string;
  /** Idempotency key; generated when the client sends none (HTTP). */
  clientMessageId?: string;
  strategy?: DoubleTextStrategy;
}

const MESSAGE_FIELDS = {
  id: true,
  threadId: true,
  role: true,
  content: true,
  report: true,
  clientMessageId: true,
  runId: true,
  createdAt: true,
  userRun: { select: { id: true } },
} as const;

/** The per-user message budget (RATE_LIMIT_USER_MESSAGES): throws `rate_limited` when it is spent. */
export interface MessageLimit {
  consume(userId: string, context?: Record<string, unknown>): Promise<void>;
}

interface AcceptRow {
  thread_found: boolean;
  message_id: string | null;
  run_id: string | null;
  started: boolean;
  busy_run_id: string | null;
}

/**
 * Accepting a user message. One run at a time per thread: a new run becomes the thread's active run and goes on
 * the queue only when the thread is idle; otherwise it waits `queued` and the worker that finishes the active
 * run starts it (acceptance order). Double-texting: `enqueue` waits, `reject` answers thread_busy and stores
 * nothing, `interrupt` cancels what is in flight and starts the new run. The same `clientMessageId` again
 * returns the same ids and creates nothing.
 */
export class MessageService {
  constructor(
    private readonly db: Db,
    private readonly depth: QueueDepth,
    private readonly scheduler: RunScheduler,
    private readonly limit: MessageLimit,
  ) {}

  /** `duplicate`: the clientMessageId was accepted before, and these are the ids it got then. */
  async accept(userId: string, input: NewMessage, transport: 'ws' | 'http'): Promise<{ accepted: MessageAccepted; duplicate: boolean }> {
    const clientMessageId = input.clientMessageId ?? randomUUID();
    const strategy = input.strategy ?? 'enqueue';
    const duplicate = await this.findExisting(userId, input.threadId, clientMessageId);
    if (duplicate) {
      await this.ensureQueued(userId, duplicate);
      return { accepted: duplicate, duplicate: true };
    }
    // After the duplicate check: a client replaying its outbox after a reconnect gets its ids back, whatever
    // its budget (the per-user request limit still bounds such resends).
    await this.limit.consume(userId, { userId, transport });
    this.depth.check();

    const accepted =
      strategy === 'interrupt'
        ? await this.acceptInterrupting(userId, input, clientMessageId)
        : await this.acceptQueued(userId, input, clientMessageId, strategy);
    if (accepted.started) {
      await this.scheduler.enqueue({ runId: accepted.runId, threadId: accepted.threadId, userId, traceparent: currentTraceparent() });
    }
    metrics.messagesAccepted.inc({ transport });
    // With the request's traceId, this line ties the gateway side of a run to the worker's lines and spans.
    logger.info('message accepted', { runId: accepted.runId, messageId: accepted.messageId, threadId: accepted.threadId, transport, started: accepted.started });
    return { accepted: { messageId: accepted.messageId, runId: accepted.runId, threadId: accepted.threadId, clientMessageId }, duplicate: false };
  }

  /**
   * `enqueue` / `reject` in one statement: lock the thread (orders this against the worker handing the thread to
   * its next run), insert message and run, and make the run active if the thread is idle.
   *
   * `reject` asks whether a run is in progress (queued or running), not whether the thread still names an active
   * run: a worker announces `agent_completed` before it hands the thread over, and a client that answers that
   * event at once must not be told the thread is busy. Its run then waits the moment until the hand-over.
   */
  private async acceptQueued(
    userId: string,
    input: NewMessage,
    clientMessageId: string,
    strategy: 'enqueue' | 'reject',
  ): Promise<Accepted> {
    const rows = await this.db.$queryRaw<AcceptRow[]>`
      WITH thread AS (
        SELECT t.id, t.active_run_id,
               (SELECT r.id FROM runs r
                 WHERE r.thread_id = t.id AND r.status IN ('queued', 'running')
                 ORDER BY r.created_at LIMIT 1) AS busy_run_id
          FROM threads t
         WHERE t.id = ${input.threadId}::uuid AND t.user_id = ${userId}::uuid
           FOR UPDATE
      ), msg AS (
        INSERT INTO messages (thread_id, user_id, role, content, client_message_id)
        SELECT id, ${userId}::uuid, 'user', ${input.text}, ${clientMessageId} FROM thread
         WHERE ${strategy} <> 'reject' OR busy_run_id IS NULL
        ON CONFLICT (thread_id, client_message_id) DO NOTHING
        RETURNING id, thread_id
      ), run AS (
        INSERT INTO runs (thread_id, user_id, user_message_id, strategy)
        SELECT thread_id, ${userId}::uuid, id, ${strategy} FROM msg
        RETURNING id, user_message_id, thread_id
      ), activated AS (
        UPDATE threads SET active_run_id = run.id, updated_at = now()
          FROM run
         WHERE threads.id = run.thread_id AND (SELECT active_run_id FROM thread) IS NULL
        RETURNING threads.id
      )
      SELECT EXISTS (SELECT 1 FROM thread) AS thread_found,
             (SELECT user_message_id FROM run) AS message_id,
             (SELECT id FROM run) AS run_id,
             EXISTS (SELECT 1 FROM activated) AS started,
             (SELECT busy_run_id FROM thread) AS busy_run_id`;
    const row = rows[0];
    if (!row?.thread_found) throw await notOwned(this.db, 'thread', input.threadId, userId);
    if (row.run_id && row.message_id) {
      return { messageId: row.message_id, runId: row.run_id, threadId: input.threadId, started: row.started };
    }
    if (strategy === 'reject' && row.busy_run_id) {
      metrics.messagesRejected.inc({ code: 'thread_busy' });
      throw new ThreadBusyError(row.busy_run_id);
    }
    // A concurrent request with the same clientMessageId won the insert.
    const existing = await this.findExisting(userId, input.threadId, clientMessageId);
    if (!existing) throw new NotFoundError('Thread');
    return { ...existing, started: false };
  }

  /** `interrupt`: cancel everything in flight on the thread and start the new run, in one transaction. */
  private async acceptInterrupting(userId: string, input: NewMessage, clientMessageId: string): Promise<Accepted> {
    const { accepted, cancelled } = await this.db.$transaction(async (tx) => {
      const thread = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM threads WHERE id = ${input.threadId}::uuid AND user_id = ${userId}::uuid FOR UPDATE`;
      if (thread.length === 0) throw await notOwned(this.db, 'thread', input.threadId, userId);
      const cancelledRuns = await tx.$queryRaw<{ id: string }[]>`
        UPDATE runs
           SET status = 'cancelled', finished_at = now(), cancel_requested_at = now(),
               error = ${JSON.stringify({ code: 'interrupted', message: 'Interrupted by a newer message' })}::jsonb
         WHERE thread_id = ${input.threadId}::uuid AND status IN ('queued', 'running')
     RETURNING id`;
      const created = await tx.$queryRaw<{ message_id: string; run_id: string }[]>`
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
        SELECT user_message_id AS message_id, id AS run_id FROM run`;
      const row = created[0];
      if (!row) throw new Error('interrupt insert returned no row');
      return {
        accepted: { messageId: row.message_id, runId: row.run_id, threadId: input.threadId, started: true },
        cancelled: cancelledRuns.map((r) => r.id),
      };
    });
    for (const runId of cancelled) {
      await this.scheduler.announceCancelled({ runId, threadId: input.threadId, userId }, 'interrupted by a newer message');
    }
    return accepted;
  }

  /** The ids of an earlier acceptance of the same clientMessageId in the user's thread. */
  private async findExisting(userId: string, threadId: string, clientMessageId: string): Promise<MessageAccepted | null> {
    const message = await this.db.message.findFirst({
      where: { threadId, clientMessageId, userId, role: 'user' },
      select: { id: true, userRun: { select: { id: true } } },
    });
    if (!message?.userRun) return null;
    return { messageId: message.id, runId: message.userRun.id, threadId, clientMessageId };
  }

  /**
   * On a resend: if the run is its thread's active run and still queued, put it on the queue again. This repairs a
   * first attempt that committed the rows but never reached Redis (BullMQ ignores a duplicate job id).
   */
  private async ensureQueued(userId: string, accepted: MessageAccepted): Promise<void> {
    const run = await this.db.run.findUnique({ where: { id: accepted.runId }, select: { status: true, activeIn: { select: { id: true } } } });
    if (run?.status === 'queued' && run.activeIn) {
      await this.scheduler.enqueue({ runId: accepted.runId, threadId: accepted.threadId, userId, traceparent: currentTraceparent() });
    }
  }

  /** History, keyset-paginated on (createdAt, id); newest first by default. */
  async list(userId: string, threadId: string, query: ListMessagesQuery): Promise<MessagePage> {
    const thread = await this.db.thread.findFirst({ where: { id: threadId, userId }, select: { id: true } });
    if (!thread) throw await notOwned(this.db, 'thread', threadId, userId);
    const where: Prisma.MessageWhereInput = { threadId };
    const op = query.order === 'desc' ? 'lt' : 'gt';
    if (query.cursor) {
      const c = decodeCursor(query.cursor);
      where.OR = [{ createdAt: { [op]: c.createdAt } }, { createdAt: c.createdAt, id: { [op]: c.id } }];
    }
    const rows = await this.db.message.findMany({
      where,
      orderBy: [{ createdAt: query.order }, { id: query.order }],
      take: query.limit + 1,
      select: MESSAGE_FIELDS,
    });
    return toPage(rows, query.limit, toMessage);
  }
}

interface Accepted {
  messageId: string;
  runId: string;
  threadId: string;
  /** The run became the thread's active run and must be put on the queue now. */
  started: boolean;
}

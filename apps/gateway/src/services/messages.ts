import { randomUUID } from 'node:crypto';
import {
  NotFoundError,
  UnavailableError,
  type DoubleTextStrategy,
  type ListMessagesQuery,
  type MessageAccepted,
  type MessagePage,
} from '@netra/contracts';
import { enqueueRun, type RunQueue } from '@netra/bus';
import { decodeCursor, toPage, type Db, type Prisma } from '@netra/db';
import { logger, metrics } from '@netra/observability';
import { toMessage } from './mappers.js';

export interface NewMessage {
  threadId: string;
  text: string;
  /** Idempotency key; generated when the client sends none (HTTP). */
  clientMessageId?: string;
  strategy?: DoubleTextStrategy;
}

export interface MessageServiceOptions {
  maxAttempts: number;
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

/**
 * Accepting a user message: persist it with its `queued` run in one statement, then put the run on the queue.
 * The same `clientMessageId` again returns the same ids and creates nothing.
 */
export class MessageService {
  private readonly log = logger.child({ component: 'messages' });

  constructor(
    private readonly db: Db,
    private readonly queue: RunQueue,
    private readonly options: MessageServiceOptions,
  ) {}

  async accept(userId: string, input: NewMessage, transport: 'ws' | 'http'): Promise<MessageAccepted> {
    const clientMessageId = input.clientMessageId ?? randomUUID();
    const strategy = input.strategy ?? 'enqueue';
    // One round trip, one implicit transaction: the thread must be the user's; the message is skipped on a
    // duplicate clientMessageId, and the run is created only alongside a new message.
    const rows = await this.db.$queryRaw<{ message_id: string; run_id: string }[]>`
      WITH thread AS (
        SELECT id FROM threads WHERE id = ${input.threadId}::uuid AND user_id = ${userId}::uuid
      ), msg AS (
        INSERT INTO messages (thread_id, user_id, role, content, client_message_id)
        SELECT id, ${userId}::uuid, 'user', ${input.text}, ${clientMessageId} FROM thread
        ON CONFLICT (thread_id, client_message_id) DO NOTHING
        RETURNING id, thread_id
      )
      INSERT INTO runs (thread_id, user_id, user_message_id, strategy)
      SELECT thread_id, ${userId}::uuid, id, ${strategy} FROM msg
      RETURNING user_message_id AS message_id, id AS run_id`;

    const created = rows[0];
    const accepted = created
      ? { messageId: created.message_id, runId: created.run_id, threadId: input.threadId, clientMessageId }
      : await this.existing(userId, input.threadId, clientMessageId);

    await this.enqueue(userId, accepted, created === undefined);
    if (created) metrics.messagesAccepted.inc({ transport });
    return accepted;
  }

  /** The ids of an earlier acceptance of the same clientMessageId, or not_found when the thread is not the user's. */
  private async existing(userId: string, threadId: string, clientMessageId: string): Promise<MessageAccepted> {
    const message = await this.db.message.findFirst({
      where: { threadId, clientMessageId, userId, role: 'user' },
      select: { id: true, userRun: { select: { id: true } } },
    });
    if (!message?.userRun) throw new NotFoundError('Thread');
    return { messageId: message.id, runId: message.userRun.id, threadId, clientMessageId };
  }

  /**
   * Puts the run on the queue. On a resend this runs again for a run that is still queued: if the first attempt
   * committed the rows but never reached Redis, the resend repairs it (BullMQ ignores a duplicate job id).
   */
  private async enqueue(userId: string, accepted: MessageAccepted, resend: boolean): Promise<void> {
    if (resend) {
      const run = await this.db.run.findUnique({ where: { id: accepted.runId }, select: { status: true } });
      if (run?.status !== 'queued') return;
    }
    try {
      await enqueueRun(
        this.queue,
        { runId: accepted.runId, threadId: accepted.threadId, userId, acceptedAt: Date.now() },
        { maxAttempts: this.options.maxAttempts },
      );
    } catch (error) {
      this.log.error('could not enqueue run; the client may resend the same clientMessageId', { runId: accepted.runId, error: String(error) });
      throw new UnavailableError('The message was stored but could not be queued; send it again with the same clientMessageId', {
        retryAfterMs: 1_000,
        cause: error,
      });
    }
  }

  /** History, keyset-paginated on (createdAt, id); newest first by default. */
  async list(userId: string, threadId: string, query: ListMessagesQuery): Promise<MessagePage> {
    const thread = await this.db.thread.findFirst({ where: { id: threadId, userId }, select: { id: true } });
    if (!thread) throw new NotFoundError('Thread');
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

import { randomUUID } from 'node:crypto';
import { ThreadBusyError, type DoubleTextStrategy, type ListMessagesQuery, type MessageAccepted, type MessagePage } from '@netra/contracts';
import { decodeCursor, toPage, type Db, type Prisma } from '@netra/db';
import { currentTraceparent, logger, metrics } from '@netra/observability';
import { toMessage } from './mappers.js';
import { notOwned } from './ownership.js';
import type { QueueDepth } from './queue-depth.js';
import type { RunEngine } from '@netra/runs';

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

/**
 * Accepting a user message: the budget and backpressure checks, then the run engine's accept (one statement,
 * the duplicate check inside it). Double-texting (`enqueue`, `reject`, `interrupt`) and idempotency by
 * `clientMessageId` are the engine's (packages/runs).
 */
export class MessageService {
  constructor(
    private readonly db: Db,
    private readonly depth: QueueDepth,
    private readonly engine: RunEngine,
    private readonly limit: MessageLimit,
  ) {}

  /** `duplicate`: the clientMessageId was accepted before, and these are the ids it got then. */
  async accept(userId: string, input: NewMessage, transport: 'ws' | 'http'): Promise<{ accepted: MessageAccepted; duplicate: boolean }> {
    const clientMessageId = input.clientMessageId ?? randomUUID();
    try {
      await this.limit.consume(userId, { userId, transport });
      this.depth.check();
    } catch (error) {
      // A client replaying its outbox after a reconnect gets its ids back whatever its budget or the queue's
      // depth (the per-user request limit still bounds such resends). Looked up only on this refusal path.
      const earlier = input.clientMessageId ? await this.engine.findAccepted(userId, input.threadId, clientMessageId) : null;
      if (!earlier) throw error;
      return { accepted: { ...earlier, threadId: input.threadId, clientMessageId }, duplicate: true };
    }

    const result = await this.engine.accept(userId, { ...input, clientMessageId, traceparent: currentTraceparent() });
    if (result.kind === 'not_found') throw await notOwned(this.db, 'thread', input.threadId, userId);
    if (result.kind === 'busy') {
      metrics.messagesRejected.inc({ code: 'thread_busy' });
      throw new ThreadBusyError(result.activeRunId);
    }
    if (!result.duplicate) metrics.messagesAccepted.inc({ transport });
    // With the request's traceId, this line ties the gateway side of a run to the worker's lines and spans.
    logger.debug('message accepted', { runId: result.runId, messageId: result.messageId, threadId: result.threadId, transport, started: result.started, duplicate: result.duplicate });
    return {
      accepted: { messageId: result.messageId, runId: result.runId, threadId: result.threadId, clientMessageId },
      duplicate: result.duplicate,
    };
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

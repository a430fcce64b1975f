import type { CreateThreadBody, ListThreadsQuery, Thread, ThreadPage, UpdateThreadBody } from '@netra/contracts';
import { decodeCursor, toPage, type Db, type Prisma } from '@netra/db';
import { toThread } from './mappers.js';
import { notOwned } from './ownership.js';

const THREAD_FIELDS = { id: true, title: true, archivedAt: true, createdAt: true, updatedAt: true } as const;

/** A user's conversations. Every read and write is scoped to the owner; other users' threads do not exist. */
export class ThreadService {
  constructor(private readonly db: Db) {}

  async create(userId: string, body: CreateThreadBody): Promise<Thread> {
    const row = await this.db.thread.create({ data: { userId, title: body.title ?? 'New conversation' }, select: THREAD_FIELDS });
    return toThread(row);
  }

  /** Newest first, keyset-paginated on (createdAt, id). */
  async list(userId: string, query: ListThreadsQuery): Promise<ThreadPage> {
    const where: Prisma.ThreadWhereInput = { userId };
    if (query.archived === 'false') where.archivedAt = null;
    if (query.archived === 'true') where.archivedAt = { not: null };
    if (query.q) where.title = { contains: query.q, mode: 'insensitive' };
    if (query.cursor) {
      const c = decodeCursor(query.cursor);
      where.OR = [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }];
    }
    const rows = await this.db.thread.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
      select: THREAD_FIELDS,
    });
    return toPage(rows, query.limit, toThread);
  }

  async get(userId: string, threadId: string): Promise<Thread> {
    const row = await this.db.thread.findFirst({ where: { id: threadId, userId }, select: THREAD_FIELDS });
    if (!row) throw await notOwned(this.db, 'thread', threadId, userId);
    return toThread(row);
  }

  /** Throws not_found unless the thread exists and belongs to the user. */
  async assertOwned(userId: string, threadId: string): Promise<void> {
    const row = await this.db.thread.findFirst({ where: { id: threadId, userId }, select: { id: true } });
    if (!row) throw await notOwned(this.db, 'thread', threadId, userId);
  }

  async update(userId: string, threadId: string, body: UpdateThreadBody): Promise<Thread> {
    const data: Prisma.ThreadUpdateManyMutationInput = {};
    if (body.title !== undefined) data.title = body.title;
    if (body.archived !== undefined) data.archivedAt = body.archived ? new Date() : null;
    const result = await this.db.thread.updateMany({ where: { id: threadId, userId }, data });
    if (result.count === 0) throw await notOwned(this.db, 'thread', threadId, userId);
    return this.get(userId, threadId);
  }

  /** DELETE archives: the history stays readable, the thread leaves the default list. */
  async archive(userId: string, threadId: string): Promise<Thread> {
    return this.update(userId, threadId, { archived: true });
  }
}

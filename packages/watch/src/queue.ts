import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RedisNames } from '@netra/bus';
import type { WatchJobData } from '@netra/contracts';
import type { Db } from '@netra/db';

/** Job names are free strings: BullMQ types a job scheduler's id as a job name, and schedules name theirs by id. */
export type WatchQueue = Queue<WatchJobData, void, string>;

export function createWatchQueue(connection: Redis, names: RedisNames): WatchQueue {
  return new Queue<WatchJobData, void, string>(names.watchQueue, { connection, prefix: names.bullPrefix });
}

/** Ingests of one user within this window share one budget check. */
export const CHECK_COALESCE_MS = 1_000;

/**
 * Asks the workers to check the user's budgets after an ingest. Every ingest in one second maps to the same job
 * (its id names the second), which runs just after that second ends: a burst of batches costs one check, and no
 * batch is left out (a batch arriving while a check runs belongs to the next second's job). Nothing is queued for
 * a user without budgets.
 */
export class BudgetTrigger {
  constructor(
    private readonly db: Db,
    private readonly queue: WatchQueue,
  ) {}

  async afterIngest(userId: string, now = Date.now()): Promise<boolean> {
    const budget = await this.db.budget.findFirst({ where: { userId }, select: { id: true } });
    if (!budget) return false;
    const slot = Math.floor(now / CHECK_COALESCE_MS);
    await this.queue.add(
      'budget-check',
      { kind: 'budget-check', userId },
      { jobId: `budget-check.${userId}.${slot}`, delay: (slot + 1) * CHECK_COALESCE_MS - now + 50, attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: { age: 60 }, removeOnFail: { age: 86_400 } },
    );
    return true;
  }
}

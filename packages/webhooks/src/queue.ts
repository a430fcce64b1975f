import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RedisNames } from '@netra/bus';
import type { WebhookJobData } from '@netra/contracts';

export type WebhookQueue = Queue<WebhookJobData, void, 'deliver'>;
export type DeadLetterQueue = Queue<WebhookJobData, void, 'dead'>;

export interface RetryPolicy {
  /** Attempts before a delivery is dead-lettered. Default 15. */
  maxAttempts?: number;
  /**
   * First gap between attempts in ms; each next gap doubles. Default 5,000: with 15 attempts the last one is
   * about 22.7 hours after the first (5 s × (2^14 − 1)), "about a day".
   */
  backoffMs?: number;
}

export const DEFAULT_RETRY: Required<RetryPolicy> = { maxAttempts: 15, backoffMs: 5_000 };

export function createWebhookQueue(connection: Redis, names: RedisNames): WebhookQueue {
  return new Queue<WebhookJobData, void, 'deliver'>(names.webhookQueue, { connection, prefix: names.bullPrefix });
}

export function createDeadLetterQueue(connection: Redis, names: RedisNames): DeadLetterQueue {
  return new Queue<WebhookJobData, void, 'dead'>(names.webhookDeadLetterQueue, { connection, prefix: names.bullPrefix });
}

/**
 * The job id of one event for one webhook: adding the same event again (a re-sent batch, a second worker raising
 * the same alert) while the job is kept is a no-op. BullMQ refuses `:` in custom ids.
 */
export function deliveryJobId(webhookId: string, eventId: string): string {
  return `${webhookId}.${eventId}`.replaceAll(':', '_');
}

export function deliveryJobOptions(webhookId: string, eventId: string, retry: RetryPolicy = {}): JobsOptions {
  const { maxAttempts, backoffMs } = { ...DEFAULT_RETRY, ...retry };
  return {
    jobId: deliveryJobId(webhookId, eventId),
    attempts: maxAttempts,
    backoff: { type: 'exponential', delay: backoffMs },
    // Kept for a week so that the same event is not delivered twice meanwhile; the delivery log is in Postgres.
    removeOnComplete: { age: 7 * 86_400, count: 100_000 },
    removeOnFail: { age: 7 * 86_400, count: 100_000 },
  };
}

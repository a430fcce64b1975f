import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunJobData } from '@netra/contracts';
import type { RedisNames } from './names.js';

export type RunQueue = Queue<RunJobData, void, 'run'>;

export interface RunQueueOptions {
  /** Times a run is tried after crashes and stalls before it ends `failed`. Default 3. */
  maxAttempts?: number;
}

/** Job options every run gets. The job id is the run id, which makes enqueueing idempotent. */
export function runJobOptions(runId: string, maxAttempts: number): JobsOptions {
  return {
    jobId: runId,
    attempts: maxAttempts,
    backoff: { type: 'exponential', delay: 1_000 },
    // Keep finished jobs long enough for Bull Board and debugging, bounded so Redis does not grow forever.
    removeOnComplete: { age: 3_600, count: 10_000 },
    removeOnFail: { age: 7 * 86_400, count: 50_000 },
  };
}

export function createRunQueue(connection: Redis, names: RedisNames): RunQueue {
  return new Queue<RunJobData, void, 'run'>(names.runQueue, { connection, prefix: names.bullPrefix });
}

/** Adds the run's job. Adding an id that is already queued is a no-op, so a resend can safely call it again. */
export async function enqueueRun(queue: RunQueue, data: RunJobData, options: RunQueueOptions = {}): Promise<void> {
  await queue.add('run', data, runJobOptions(data.runId, options.maxAttempts ?? 3));
}

/** A worker process connected to the queue, as Redis' CLIENT LIST shows its blocking connection. */
export interface QueueWorkerInfo {
  name: string;
  addr?: string;
  ageSeconds?: number;
  idleSeconds?: number;
}

/**
 * The workers the queue sees. BullMQ names each worker's blocking connection `<prefix>:<queue b64>:w:<name>`
 * (the worker's `name` option: `<host>-<pid>` in Netra), and `getWorkers()` finds them with CLIENT LIST.
 */
export async function queueWorkers(queue: RunQueue): Promise<QueueWorkerInfo[]> {
  const clients = (await queue.getWorkers()) as Record<string, string>[];
  return clients.map((client) => {
    const raw = client.rawname ?? '';
    const marker = raw.indexOf(':w:');
    const info: QueueWorkerInfo = { name: marker >= 0 ? raw.slice(marker + 3) : raw || 'unnamed' };
    if (client.addr) info.addr = client.addr;
    const age = Number(client.age);
    const idle = Number(client.idle);
    if (Number.isFinite(age)) info.ageSeconds = age;
    if (Number.isFinite(idle)) info.idleSeconds = idle;
    return info;
  });
}

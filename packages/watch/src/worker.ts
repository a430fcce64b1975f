import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RedisNames } from '@netra/bus';
import type { WatchJobData } from '@netra/contracts';
import { errorFields, logger } from '@netra/observability';
import type { BudgetEvaluator } from './evaluator.js';
import { createWatchQueue, type WatchQueue } from './queue.js';

export interface WatchWorkerOptions {
  /** A `blocking` connection for the BullMQ worker and queue (owned by the caller). */
  connection: Redis;
  names: RedisNames;
  evaluator: BudgetEvaluator;
  /** BUDGET_CHECK_INTERVAL_MS: every budget is evaluated this often besides after ingests. */
  sweepIntervalMs: number;
  /** Worker name in CLIENT LIST. */
  name?: string;
}

const SWEEP_SCHEDULER = 'budget-sweep';

/**
 * The workers' side of watching: runs budget checks queued after ingests, and the periodic sweep on a BullMQ job
 * scheduler (one scheduler, upserted by every worker: each interval produces one job, whichever worker takes it).
 * Lifecycle: `start()`, `close()`.
 */
export class WatchWorker {
  private readonly log = logger.child({ component: 'watch-worker' });
  private worker: Worker<WatchJobData, void, WatchJobData['kind']> | undefined;
  private queue: WatchQueue | undefined;

  constructor(private readonly options: WatchWorkerOptions) {}

  async start(): Promise<void> {
    const { connection, names } = this.options;
    this.queue = createWatchQueue(connection, names);
    await this.queue.upsertJobScheduler(SWEEP_SCHEDULER, { every: this.options.sweepIntervalMs }, { name: 'budget-sweep', data: { kind: 'budget-sweep' }, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } });
    this.worker = new Worker<WatchJobData, void, WatchJobData['kind']>(names.watchQueue, (job) => this.process(job), {
      connection,
      prefix: names.bullPrefix,
      concurrency: 4,
      ...(this.options.name ? { name: this.options.name } : {}),
    });
    this.worker.on('error', (error) => this.log.error('watch worker error', errorFields(error)));
    this.worker.on('failed', (job, error) => this.log.warn('watch job failed', { jobId: job?.id, ...errorFields(error) }));
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
  }

  private async process(job: Job<WatchJobData, void, WatchJobData['kind']>): Promise<void> {
    const data = job.data;
    if (data.kind === 'budget-check') {
      const raised = await this.options.evaluator.evaluateUser(data.userId);
      this.log.info('budgets checked', { userId: data.userId, raised: raised.length });
    } else {
      const raised = await this.options.evaluator.evaluateAll();
      this.log.info('budget sweep done', { raised });
    }
  }
}

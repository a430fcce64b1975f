import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RedisNames } from '@netra/bus';
import { Report, type WatchJobData } from '@netra/contracts';
import type { Db } from '@netra/db';
import { errorFields, logger } from '@netra/observability';
import type { WebhookDispatcher } from '@netra/webhooks';
import type { BudgetEvaluator } from './evaluator.js';
import { createWatchQueue, type WatchQueue } from './queue.js';
import type { RecommendationTracker } from './recommendations.js';
import { parseSlotMessageId, type ScheduleFirer } from './schedules.js';

export interface WatchWorkerOptions {
  /** A `blocking` connection for the BullMQ worker and queue (owned by the caller). */
  connection: Redis;
  names: RedisNames;
  evaluator: BudgetEvaluator;
  db: Db;
  /** Sends `run.completed` / `run.failed` / `schedule.report_ready`. */
  webhooks: WebhookDispatcher;
  /** Posts scheduled questions. */
  firer: ScheduleFirer;
  /** Checks adopted recommendations on the sweep (a completed run stores its own, with its completion). */
  recommendations: RecommendationTracker;
  /** PUBLIC_URL: the base of links in `schedule.report_ready`. */
  publicUrl?: string;
  /**
   * The anomaly check of closed days (`@netra/watch/anomalies`, kept out of this module so that the gateway, which
   * imports this package, never loads the agents' code).
   */
  anomalies: { evaluateAll(now?: Date): Promise<number> };
  /** ANOMALY_CHECK_CRON (UTC). */
  anomalyCron: string;
  /** BUDGET_CHECK_INTERVAL_MS: every budget is evaluated this often besides after ingests. */
  sweepIntervalMs: number;
  /** Worker name in CLIENT LIST. */
  name?: string;
}

const SWEEP_SCHEDULER = 'budget-sweep';
const ANOMALY_SCHEDULER = 'anomaly-sweep';

/**
 * The workers' side of watching: runs budget checks queued after ingests, the periodic budget sweep and the daily
 * anomaly check on BullMQ job schedulers (upserted by every worker: each slot produces one job, whichever worker
 * takes it), scheduled questions, and the webhooks of ended runs.
 * Lifecycle: `start()`, `close()`.
 */
export class WatchWorker {
  private readonly log = logger.child({ component: 'watch-worker' });
  private worker: Worker<WatchJobData, void, string> | undefined;
  private queue: WatchQueue | undefined;

  constructor(private readonly options: WatchWorkerOptions) {}

  async start(): Promise<void> {
    const { connection, names } = this.options;
    this.queue = createWatchQueue(connection, names);
    await this.queue.upsertJobScheduler(SWEEP_SCHEDULER, { every: this.options.sweepIntervalMs }, { name: 'budget-sweep', data: { kind: 'budget-sweep' }, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } });
    await this.queue.upsertJobScheduler(ANOMALY_SCHEDULER, { pattern: this.options.anomalyCron, tz: 'UTC' }, { name: 'anomaly-sweep', data: { kind: 'anomaly-sweep' }, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } });
    this.worker = new Worker<WatchJobData, void, string>(names.watchQueue, (job) => this.process(job), {
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

  /**
   * A run this worker's run engine ended (completed or failed): its webhooks are sent from a job of their own, so a
   * crash here loses nothing, and the run's final state is read from the database, where it is already written.
   */
  async runEnded(runId: string): Promise<void> {
    if (!this.queue) throw new Error('watch worker not started');
    await this.queue.add('run-ended', { kind: 'run-ended', runId }, { jobId: `run-ended.${runId}`, attempts: 6, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: { age: 3_600 }, removeOnFail: { age: 86_400 } });
  }

  private async process(job: Job<WatchJobData, void, string>): Promise<void> {
    const data = job.data;
    if (data.kind === 'run-ended') {
      await this.sendRunEnded(data.runId);
    } else if (data.kind === 'anomaly-sweep') {
      const raised = await this.options.anomalies.evaluateAll();
      this.log.info('anomaly sweep done', { raised });
    } else if (data.kind === 'schedule-fire') {
      await this.options.firer.fire(data.scheduleId, slotOf(job));
    } else if (data.kind === 'budget-check') {
      const raised = await this.options.evaluator.evaluateUser(data.userId);
      this.log.info('budgets checked', { userId: data.userId, raised: raised.length });
    } else {
      const raised = await this.options.evaluator.evaluateAll();
      const regressed = await this.options.recommendations.checkAdopted();
      this.log.info('budget sweep done', { raised, regressed });
    }
  }

  private async sendRunEnded(runId: string): Promise<void> {
    const run = await this.options.db.run.findUnique({
      where: { id: runId },
      select: { id: true, userId: true, threadId: true, status: true, finishedAt: true, error: true, report: true, userMessage: { select: { clientMessageId: true } } },
    });
    if (!run || run.status === 'cancelled') return;
    // A run failed for good is marked by the job's failure handler, possibly just after this job was queued.
    if (run.status !== 'completed' && run.status !== 'failed') throw new RunNotEndedError(runId, run.status);
    const data = { runId: run.id, threadId: run.threadId, status: run.status, finishedAt: run.finishedAt?.toISOString() ?? null, ...(run.status === 'failed' ? { error: run.error } : {}) };
    await this.options.webhooks.dispatch(run.userId, { type: run.status === 'completed' ? 'run.completed' : 'run.failed', id: `run-${run.id}`, data });
    const slot = parseSlotMessageId(run.userMessage.clientMessageId);
    if (slot && run.status === 'completed') {
      const report = Report.safeParse(run.report);
      const link = `${this.options.publicUrl ?? ''}/threads/${run.threadId}`;
      await this.options.webhooks.dispatch(run.userId, {
        type: 'schedule.report_ready',
        id: `report-${run.id}`,
        data: {
          scheduleId: slot.scheduleId,
          slot: new Date(slot.slotMs).toISOString(),
          runId: run.id,
          threadId: run.threadId,
          link,
          // The headline figures: what the report says the window cost and how it ran, and what the plan saves.
          ...(report.success
            ? {
                summary: report.data.summary.slice(0, 1_000),
                window: report.data.window,
                requests: report.data.currentState.requests,
                totalCostUsd: report.data.currentState.totalCostUsd,
                p95LatencyMs: report.data.currentState.p95LatencyMs,
                errorRate: report.data.currentState.errorRate,
                projectedMonthlySavingsUsd: report.data.projected?.monthlySavingsUsd ?? null,
              }
            : {}),
        },
      });
    }
  }
}

/** The slot (epoch ms) a job scheduler's job stands for: its id is `repeat:<scheduler id>:<slot ms>`. */
function slotOf(job: Job<WatchJobData, void, string>): number {
  const match = /:(\d+)$/.exec(job.id ?? '');
  return match?.[1] ? Number(match[1]) : job.timestamp;
}

/** The run's final state is not written yet: the job is retried with backoff. */
class RunNotEndedError extends Error {
  constructor(runId: string, status: string) {
    super(`run ${runId} is still ${status}`);
    this.name = 'RunNotEndedError';
  }
}

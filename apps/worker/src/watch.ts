import { UnrecoverableError, type Worker } from 'bullmq';
import type { Config } from '@netra/config';
import { createRedis, createRunQueue, NotificationPublisher, RunEventLog, waitForRedis, type Redis, type RedisNames, type RunQueue } from '@netra/bus';
import type { RunJobData } from '@netra/contracts';
import type { Db } from '@netra/db';
import { errorFields, logger } from '@netra/observability';
import { RunScheduler } from '@netra/runs';
import { AlertRaiser, BudgetEvaluator, RecommendationTracker, ScheduleFirer, WatchWorker } from '@netra/watch';
import { AnomalyWatcher } from '@netra/watch/anomalies';
import { createWebhookQueue, WebhookDeliverer, WebhookDispatcher, type WebhookQueue } from '@netra/webhooks';

export interface WorkerWatchOptions {
  config: Config;
  db: Db;
  names: RedisNames;
  /** This process' name in the fleet (BullMQ worker names). */
  name: string;
}

/**
 * Issue 15 in a worker process: delivers webhooks, evaluates budgets (after ingests and on the timer), posts
 * scheduled questions, and turns the run jobs this process finishes into `run.completed` / `run.failed` (and
 * `schedule.report_ready`) webhooks. Its own Redis connections, so
 * the run worker's are untouched. Lifecycle: `start(runWorker)`, `close()`.
 */
export class WorkerWatch {
  private readonly log = logger.child({ component: 'worker-watch' });
  private blocking: Redis | undefined;
  private durable: Redis | undefined;
  private webhookQueue: WebhookQueue | undefined;
  private runQueue: RunQueue | undefined;
  private deliverer: WebhookDeliverer | undefined;
  private watch: WatchWorker | undefined;

  constructor(private readonly options: WorkerWatchOptions) {}

  async start(runWorker: Worker<RunJobData, void, 'run'>): Promise<void> {
    const { config, db, names, name } = this.options;
    this.blocking = createRedis(config.REDIS_URL, { role: 'blocking', name: `${config.REDIS_PREFIX}:worker-watch:${process.pid}` });
    this.durable = createRedis(config.REDIS_URL, { role: 'durable', name: `${config.REDIS_PREFIX}:worker-watch-out:${process.pid}` });
    await Promise.all([waitForRedis(this.blocking), waitForRedis(this.durable)]);
    this.webhookQueue = createWebhookQueue(this.durable, names);
    const dispatcher = new WebhookDispatcher(db, this.webhookQueue, { maxAttempts: config.WEBHOOK_MAX_ATTEMPTS, backoffMs: config.WEBHOOK_BACKOFF_MS });
    this.deliverer = new WebhookDeliverer({ db, connection: this.blocking, names, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE, timeoutMs: config.WEBHOOK_TIMEOUT_MS, name });
    const raiser = new AlertRaiser(db, new NotificationPublisher(this.durable, names), dispatcher);
    const evaluator = new BudgetEvaluator(db, raiser);
    // Scheduled questions start runs like a user's message does.
    this.runQueue = createRunQueue(this.durable, names);
    const events = new RunEventLog(this.durable, names, { retentionSeconds: config.EVENT_RETENTION_SECONDS, maxLen: config.EVENT_LOG_MAXLEN });
    const runs = new RunScheduler({ db, queue: this.runQueue, events, redis: this.durable, names, maxAttempts: config.RUN_MAX_ATTEMPTS });
    const firer = new ScheduleFirer(db, (run) => runs.enqueue(run));
    this.watch = new WatchWorker({
      connection: this.blocking,
      names,
      evaluator,
      db,
      webhooks: dispatcher,
      firer,
      recommendations: new RecommendationTracker(db, raiser),
      anomalies: new AnomalyWatcher(db, raiser),
      anomalyCron: config.ANOMALY_CHECK_CRON,
      sweepIntervalMs: config.BUDGET_CHECK_INTERVAL_MS,
      name,
      ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL.replace(/\/$/, '') } : {}),
    });
    this.deliverer.start();
    await this.watch.start();

    const watch = this.watch;
    const ended = (job: { data: RunJobData } | undefined) => {
      if (!job) return;
      watch.runEnded(job.data.runId).catch((error: unknown) => this.log.warn('could not queue the run webhooks', { runId: job.data.runId, ...errorFields(error) }));
    };
    runWorker.on('completed', (job) => ended(job));
    // Only a failure that will not be retried ends the run (the job's attempts are spent, or it was unrecoverable).
    runWorker.on('failed', (job, error) => {
      if (job && (error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1))) ended(job);
    });
  }

  async close(): Promise<void> {
    await this.watch?.close();
    await this.deliverer?.close();
    await this.webhookQueue?.close();
    await this.runQueue?.close();
    await Promise.allSettled([this.blocking?.quit(), this.durable?.quit()]);
  }
}

import type { Config } from '@netra/config';
import { NotificationPublisher, type Redis } from '@netra/bus';
import { errorFields, logger } from '@netra/observability';
import type { Infra } from '@netra/runs';
import { AlertRaiser, BudgetEvaluator, RecommendationTracker, ScheduleFirer, WatchWorker } from '@netra/watch';
import { AnomalyWatcher } from '@netra/watch/anomalies';
import { createWebhookQueue, WebhookDeliverer, WebhookDispatcher, type WebhookQueue } from '@netra/webhooks';

export interface WorkerWatchOptions {
  config: Config;
  /** The worker's connections, queue and run engine (scheduled questions are accepted through the engine). */
  infra: Infra;
  /** This process' name in the fleet (BullMQ worker names). */
  name: string;
}

/**
 * Issue 15 in a worker process: delivers webhooks, evaluates budgets (after ingests and on the timer), posts
 * scheduled questions, and turns the run jobs this process finishes into `run.completed` / `run.failed` (and
 * `schedule.report_ready`) webhooks. Its own blocking connection (from the infra), so the run worker's are
 * untouched. Lifecycle: `start()`, `close()`.
 */
export class WorkerWatch {
  private readonly log = logger.child({ component: 'worker-watch' });
  private webhookQueue: WebhookQueue | undefined;
  private deliverer: WebhookDeliverer | undefined;
  private watch: WatchWorker | undefined;

  constructor(private readonly options: WorkerWatchOptions) {}

  async start(): Promise<void> {
    const { config, infra, name } = this.options;
    const { db, names, engine } = infra;
    const blocking: Redis = await infra.connection('blocking', 'watch');
    // The infra's main connection (durable in a worker): alerts and webhook jobs wait out a Redis blip.
    const durable = infra.redis;
    this.webhookQueue = createWebhookQueue(durable, names);
    const dispatcher = new WebhookDispatcher(db, this.webhookQueue, { maxAttempts: config.WEBHOOK_MAX_ATTEMPTS, backoffMs: config.WEBHOOK_BACKOFF_MS });
    this.deliverer = new WebhookDeliverer({ db, connection: blocking, names, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE, timeoutMs: config.WEBHOOK_TIMEOUT_MS, name });
    const raiser = new AlertRaiser(db, new NotificationPublisher(durable, names), dispatcher);
    const evaluator = new BudgetEvaluator(db, raiser);
    // Scheduled questions start runs like a user's message does: through the run engine's accept.
    const firer = new ScheduleFirer(db, engine);
    this.watch = new WatchWorker({
      connection: blocking,
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

    // A run this process ended (the engine's conditional write changed it): its webhooks, from a job of their own —
    // only when the user subscribed to run events (the ending statement says so).
    const watch = this.watch;
    engine.on('ended', (run, status, { runWebhooks }) => {
      if (status === 'cancelled' || !runWebhooks) return;
      watch.runEnded(run.runId).catch((error: unknown) => this.log.warn('could not queue the run webhooks', { runId: run.runId, ...errorFields(error) }));
    });
  }

  async close(): Promise<void> {
    await this.watch?.close();
    await this.deliverer?.close();
    // The connections are the infra's: the worker closes them after this.
    await this.webhookQueue?.close();
  }
}

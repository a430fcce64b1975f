import type { Config } from '@netra/config';
import type { Redis, RedisNames } from '@netra/bus';
import type { Db } from '@netra/db';
import { AlertStore, BudgetService, BudgetTrigger, createWatchQueue, RecommendationTracker, ScheduleService, type WatchQueue } from '@netra/watch';
import { createWebhookQueue, WebhookDispatcher, WebhookRegistry, type WebhookQueue } from '@netra/webhooks';
import type { WatchDeps } from './http/routes/watch.js';
import { auditCrossTenant } from './services/ownership.js';

export interface GatewayWatchOptions {
  config: Config;
  db: Db;
  /** The gateway's `request` connection (fail fast): the queues only add jobs here. */
  redis: Redis;
  names: RedisNames;
}

/**
 * Issue 15 in the gateway: the services behind the webhook, budget, alert, schedule and recommendation routes,
 * and the two queues they add jobs to (pings; budget checks and schedules). The work itself is the workers'.
 * Lifecycle: construct, then `close()`.
 */
export class GatewayWatch {
  readonly deps: WatchDeps;
  private readonly queues: [WebhookQueue, WatchQueue];

  constructor({ config, db, redis, names }: GatewayWatchOptions) {
    const webhookQueue = createWebhookQueue(redis, names);
    const watchQueue = createWatchQueue(redis, names);
    this.queues = [webhookQueue, watchQueue];
    const dispatcher = new WebhookDispatcher(db, webhookQueue, { maxAttempts: config.WEBHOOK_MAX_ATTEMPTS, backoffMs: config.WEBHOOK_BACKOFF_MS });
    // Another user's id gets the same 404 as an unknown one; the attempt is audited like one on a thread or run.
    const onCrossTenant = auditCrossTenant;
    this.deps = {
      webhooks: new WebhookRegistry(db, dispatcher, { allowPrivate: config.WEBHOOK_ALLOW_PRIVATE, onCrossTenant }),
      budgets: new BudgetService(db, { dimensions: config.USAGE_DIMENSIONS, onCrossTenant }),
      alerts: new AlertStore(db),
      trigger: new BudgetTrigger(db, watchQueue),
      schedules: new ScheduleService(db, watchQueue, { minIntervalSeconds: config.SCHEDULE_MIN_INTERVAL_SECONDS, onCrossTenant }),
      recommendations: new RecommendationTracker(db, undefined, onCrossTenant),
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.queues.map((q) => q.close()));
  }
}

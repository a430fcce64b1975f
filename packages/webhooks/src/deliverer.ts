import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RedisNames } from '@netra/bus';
import type { DeliveryStatus, WebhookJobData } from '@netra/contracts';
import type { Db } from '@netra/db';
import { errorFields, logger, metrics } from '@netra/observability';
import { createDeadLetterQueue, type DeadLetterQueue } from './queue.js';
import { sendWebhook } from './sender.js';
import { SIGNATURE_HEADER, signatureHeader } from './signing.js';

export interface WebhookDelivererOptions {
  db: Db;
  /** A `blocking` connection for the BullMQ worker (owned by the caller). */
  connection: Redis;
  names: RedisNames;
  /** WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  /** Per attempt: connect, send, answer. Default 10,000 ms. */
  timeoutMs?: number;
  /** Deliveries in flight at once per process. Default 16 (they wait on the network, not the CPU). */
  concurrency?: number;
  /** Worker name in CLIENT LIST. */
  name?: string;
}

/** A delivery that did not get a 2xx; BullMQ retries it with the job's backoff. */
class DeliveryFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryFailedError';
  }
}

/**
 * Delivers webhook jobs: signs the body, POSTs it, logs the attempt in `webhook_deliveries`, and throws on failure
 * so BullMQ retries with exponential backoff. The last failed attempt is logged `dead_lettered` and the job is
 * copied to the dead-letter queue. Lifecycle: `start()`, `close()`.
 */
export class WebhookDeliverer {
  private readonly log = logger.child({ component: 'webhook-deliverer' });
  private worker: Worker<WebhookJobData, void, 'deliver'> | undefined;
  private deadLetters: DeadLetterQueue | undefined;

  constructor(private readonly options: WebhookDelivererOptions) {}

  start(): void {
    const { connection, names } = this.options;
    this.deadLetters = createDeadLetterQueue(connection, names);
    this.worker = new Worker<WebhookJobData, void, 'deliver'>(names.webhookQueue, (job) => this.deliver(job), {
      connection,
      prefix: names.bullPrefix,
      concurrency: this.options.concurrency ?? 16,
      ...(this.options.name ? { name: this.options.name } : {}),
    });
    this.worker.on('error', (error) => this.log.error('webhook worker error', errorFields(error)));
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.deadLetters?.close();
  }

  private async deliver(job: Job<WebhookJobData, void, 'deliver'>): Promise<void> {
    const { webhookId, payload } = job.data;
    const hook = await this.options.db.webhook.findUnique({ where: { id: webhookId }, select: { url: true, secret: true, active: true, events: true } });
    if (!hook || !hook.active || (payload.type !== 'webhook.ping' && !hook.events.includes(payload.type))) {
      // Deleted, disabled or unsubscribed since the event was queued: the user no longer wants it.
      this.log.info('webhook delivery dropped', { webhookId, eventId: payload.id, reason: hook ? 'inactive or unsubscribed' : 'deleted' });
      return;
    }
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const result = await sendWebhook({
      url: hook.url,
      body,
      headers: {
        [SIGNATURE_HEADER]: signatureHeader(hook.secret, body, timestamp),
        'Netra-Event': payload.type,
        'Netra-Delivery': payload.id,
        'user-agent': 'Netra-Webhooks/1',
      },
      timeoutMs: this.options.timeoutMs ?? 10_000,
      allowPrivate: this.options.allowPrivate,
    });
    const attempt = job.attemptsMade + 1;
    const last = attempt >= (job.opts.attempts ?? 1);
    const status: DeliveryStatus = result.ok ? 'succeeded' : last ? 'dead_lettered' : 'failed';
    await this.options.db.webhookDelivery.create({
      data: { webhookId, eventId: payload.id, eventType: payload.type, attempt, status, httpStatus: result.httpStatus, latencyMs: result.latencyMs, error: result.error },
    });
    metrics.webhookDeliveries.inc({ status });
    metrics.webhookDeliveryDuration.observe({ status }, result.latencyMs / 1000);
    if (result.ok) return;
    if (last) {
      await this.deadLetters?.add('dead', job.data, { jobId: job.id ?? `${webhookId}.${payload.id}`, removeOnComplete: false, removeOnFail: false });
      this.log.warn('webhook delivery dead-lettered', { webhookId, eventId: payload.id, attempts: attempt, error: result.error });
    }
    throw new DeliveryFailedError(result.error ?? 'delivery failed');
  }
}

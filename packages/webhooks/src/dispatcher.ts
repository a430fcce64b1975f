import { randomUUID } from 'node:crypto';
import { NetraError, type DeliveryEventType, type WebhookEventType, type WebhookPayload } from '@netra/contracts';
import type { Db } from '@netra/db';
import { deliveryJobOptions, type RetryPolicy, type WebhookQueue } from './queue.js';

/** Largest `data` of one event, as JSON; bigger is a bug of the producer, refused before it is queued. */
export const MAX_EVENT_BYTES = 64 * 1024;

export class EventTooLargeError extends NetraError {
  constructor(type: string, bytes: number) {
    super('payload_too_large', `A ${type} event of ${bytes} bytes exceeds the ${MAX_EVENT_BYTES}-byte limit of webhook payloads`);
  }
}

export interface DispatchEvent {
  type: WebhookEventType;
  /**
   * Stable id of the occurrence (e.g. the alert's id): receivers dedupe on it, and dispatching the same id again
   * queues nothing new.
   */
  id: string;
  data: Record<string, unknown>;
  createdAt?: Date;
}

/**
 * Turns Netra's events into delivery jobs: one per active webhook of the user that subscribed to the type.
 * Used by the gateway (ping) and the workers (alerts, runs); the delivery itself is the deliverer's job.
 */
export class WebhookDispatcher {
  constructor(
    private readonly db: Db,
    private readonly queue: WebhookQueue,
    private readonly retry: RetryPolicy = {},
  ) {}

  /** Returns how many deliveries were queued (0 when no webhook wants the event). */
  async dispatch(userId: string, event: DispatchEvent): Promise<number> {
    const hooks = await this.db.webhook.findMany({ where: { userId, active: true, events: { has: event.type } }, select: { id: true } });
    if (hooks.length === 0) return 0;
    const payload = this.payload(event.type, event.id, event.data, event.createdAt);
    await this.queue.addBulk(hooks.map((hook) => ({ name: 'deliver' as const, data: { webhookId: hook.id, payload }, opts: deliveryJobOptions(hook.id, payload.id, this.retry) })));
    return hooks.length;
  }

  /** A `webhook.ping` to one webhook (whatever it subscribed to); returns the event id. */
  async ping(webhookId: string): Promise<string> {
    const payload = this.payload('webhook.ping', `ping-${randomUUID()}`, { webhookId, message: 'Netra webhook test delivery' });
    await this.queue.add('deliver', { webhookId, payload }, deliveryJobOptions(webhookId, payload.id, this.retry));
    return payload.id;
  }

  private payload(type: DeliveryEventType, id: string, data: Record<string, unknown>, createdAt = new Date()): WebhookPayload {
    const bytes = Buffer.byteLength(JSON.stringify(data));
    if (bytes > MAX_EVENT_BYTES) throw new EventTooLargeError(type, bytes);
    return { id, type, createdAt: createdAt.toISOString(), data };
  }
}

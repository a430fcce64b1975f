import type { Redis } from 'ioredis';
import type { Alert, NotificationFrame } from '@netra/contracts';
import type { RedisNames } from './names.js';

/**
 * How a published notification starts: `JSON.stringify` writes `type` first, so the subscriber tells it from a run
 * event (whose first key is `eventId`) without parsing twice.
 */
export const NOTIFICATION_PREFIX = '{"type":"notification"';

/**
 * Pushes alerts to the user's open sockets, on the user's event channel (which every gateway holding a socket of
 * the user already subscribes to). Fire-and-forget like pub/sub itself: the alert is stored first, so a user with
 * no socket open finds it in `GET /api/v1/alerts`.
 */
export class NotificationPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly names: RedisNames,
  ) {}

  /** Returns how many gateway processes received it. */
  async publish(userId: string, alert: Alert): Promise<number> {
    const frame: NotificationFrame = { type: 'notification', alert };
    return this.redis.publish(this.names.userEvents(userId), JSON.stringify(frame));
  }
}

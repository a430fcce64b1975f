import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { errorFields, logger } from '@netra/observability';
import type { RedisNames } from './names.js';

const CancelMessage = z.object({ runId: z.uuid(), reason: z.string().max(200) });
export type CancelMessage = z.infer<typeof CancelMessage>;

export interface ControlEvents {
  cancel: [message: CancelMessage];
}

/**
 * Broadcasts "stop this run" to every worker (pub/sub: whichever worker runs it aborts within milliseconds,
 * the others ignore it). A worker that picks the run up later sees its `cancelled` state in Postgres instead.
 */
export class ControlChannel extends EventEmitter<ControlEvents> {
  private readonly log = logger.child({ component: 'control-channel' });

  constructor(private readonly names: RedisNames) {
    super();
  }

  static async publishCancel(redis: Redis, names: RedisNames, message: CancelMessage): Promise<void> {
    await redis.publish(names.cancelChannel, JSON.stringify(message));
  }

  /** Listens on a dedicated (subscriber-mode) connection. */
  async listen(subscriber: Redis): Promise<void> {
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel !== this.names.cancelChannel) return;
      try {
        this.emit('cancel', CancelMessage.parse(JSON.parse(raw)));
      } catch (error) {
        this.log.warn('ignored a malformed control message', errorFields(error));
      }
    });
    await subscriber.subscribe(this.names.cancelChannel);
  }
}

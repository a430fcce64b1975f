import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { errorFields, logger } from '@netra/observability';
import type { RedisNames } from './names.js';

const CancelMessage = z.object({ runId: z.uuid(), reason: z.string().max(200) });
export type CancelMessage = z.infer<typeof CancelMessage>;

const LlmCommand = z.object({ action: z.literal('breaker_close'), provider: z.string().max(64), model: z.string().max(128) });
export type LlmCommand = z.infer<typeof LlmCommand>;

export interface ControlEvents {
  cancel: [message: CancelMessage];
  /** An operator asked every worker to close this breaker. */
  llm: [command: LlmCommand];
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

  /** Returns how many workers received it (PUBLISH receivers). */
  static async publishLlm(redis: Redis, names: RedisNames, command: LlmCommand): Promise<number> {
    return redis.publish(names.llmControlChannel, JSON.stringify(command));
  }

  /** Listens on a dedicated (subscriber-mode) connection. */
  async listen(subscriber: Redis): Promise<void> {
    subscriber.on('message', (channel: string, raw: string) => {
      try {
        if (channel === this.names.cancelChannel) this.emit('cancel', CancelMessage.parse(JSON.parse(raw)));
        else if (channel === this.names.llmControlChannel) this.emit('llm', LlmCommand.parse(JSON.parse(raw)));
      } catch (error) {
        this.log.warn('ignored a malformed control message', errorFields(error));
      }
    });
    await subscriber.subscribe(this.names.cancelChannel, this.names.llmControlChannel);
  }
}

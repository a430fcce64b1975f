import { LlmOps, type LlmCommand, type Redis, type RedisNames } from '@netra/bus';
import { errorFields, logger } from '@netra/observability';
import type { LlmClient } from './client.js';

export interface BreakerReporterOptions {
  /** How often the states are re-published even without a change (readers drop a report 30 s stale). Default 10 s. */
  intervalMs?: number;
}

/**
 * Publishes a worker's breaker states to Redis — at every change and on a heartbeat — for the gateway's admin API,
 * and carries out the operators' commands that come back (`breaker_close`). Lifecycle: `start()`, `close()`
 * (which removes this worker's entry).
 */
export class BreakerReporter {
  private readonly ops: LlmOps;
  private readonly log = logger.child({ component: 'llm-breaker-reporter' });
  private timer: NodeJS.Timeout | undefined;
  private readonly onChange = () => this.publish();

  constructor(
    private readonly llm: LlmClient,
    redis: Redis,
    names: RedisNames,
    private readonly worker: string,
    private readonly options: BreakerReporterOptions = {},
  ) {
    this.ops = new LlmOps(redis, names);
  }

  start(): void {
    this.llm.on('breakers', this.onChange);
    this.publish();
    this.timer = setInterval(this.onChange, this.options.intervalMs ?? 10_000);
    this.timer.unref();
  }

  /** An operator's command from the control channel. */
  handle(command: LlmCommand): void {
    if (command.action === 'breaker_close' && this.llm.forceCloseBreaker(command.provider, command.model)) this.publish();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.llm.off('breakers', this.onChange);
    // If this fails, readers drop the entry once it is 30 s stale (LlmOps.breakers); shutdown goes on.
    await this.ops.removeWorker(this.worker).catch((error: unknown) => this.log.warn('could not remove this worker from the breaker registry', errorFields(error)));
  }

  private publish(): void {
    void this.ops.publishBreakers(this.worker, this.llm.breakerStates()).catch((error: unknown) => this.log.warn('could not publish breaker states', errorFields(error)));
  }
}

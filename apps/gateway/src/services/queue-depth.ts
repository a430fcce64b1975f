import { queueWorkers, type RunQueue } from '@netra/bus';
import { OverloadedError } from '@netra/contracts';
import { errorFields, logger, metrics } from '@netra/observability';

export interface QueueDepthOptions {
  /** Waiting jobs at which new messages are refused with `overloaded`. */
  maxWaiting: number;
  /** How often the queue is sampled. Default 250 ms. */
  sampleMs?: number;
}

/**
 * Also the source of the `netra_queue_jobs{state}` and `netra_queue_workers` gauges: every gateway samples the
 * same queue (aggregate with `max` across gateways); workers do not export them.
 *
 * Backpressure without a Redis call per message: the queue's depth is sampled a few times a second, and jobs this
 * gateway added since the last sample are counted on top, so a burst cannot overshoot by more than one interval
 * of other gateways' traffic.
 */
export class QueueDepth {
  private waiting = 0;
  private addedSinceSample = 0;
  private timer: NodeJS.Timeout | undefined;
  private fleetTimer: NodeJS.Timeout | undefined;
  private readonly log = logger.child({ component: 'queue-depth' });

  constructor(
    private readonly queue: RunQueue,
    private readonly options: QueueDepthOptions,
  ) {}

  async start(): Promise<void> {
    await this.sample();
    this.timer = setInterval(() => void this.sample(), this.options.sampleMs ?? 250);
    this.timer.unref();
    // The fleet changes slowly and CLIENT LIST costs more than counting jobs: every 5 s is plenty.
    void this.sampleFleet();
    this.fleetTimer = setInterval(() => void this.sampleFleet(), 5_000);
    this.fleetTimer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    clearInterval(this.fleetTimer);
  }

  private async sampleFleet(): Promise<void> {
    try {
      metrics.queueWorkers.set((await queueWorkers(this.queue)).length);
    } catch (error) {
      this.log.debug('could not list the queue workers', errorFields(error));
    }
  }

  /** Throws `overloaded` (with a retry hint) when the queue is past its configured depth. */
  check(): void {
    const estimate = this.waiting + this.addedSinceSample;
    if (estimate >= this.options.maxWaiting) {
      const over = estimate - this.options.maxWaiting + 1;
      throw new OverloadedError(Math.min(30_000, 1_000 + over * 10));
    }
  }

  added(): void {
    this.addedSinceSample += 1;
  }

  private async sample(): Promise<void> {
    try {
      const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      this.waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
      this.addedSinceSample = 0;
      for (const [state, value] of Object.entries(counts)) metrics.queueDepth.set({ state }, value);
    } catch (error) {
      this.log.warn('could not sample the queue depth', errorFields(error));
    }
  }
}

import { ControlChannel, enqueueRun, type Redis, type RedisNames, type RunEventLog, type RunQueue } from '@netra/bus';
import { activateNextRun, type Db } from '@netra/db';
import { errorFields, logger } from '@netra/observability';

export interface RunRef {
  runId: string;
  threadId: string;
  userId: string;
}

export interface RunSchedulerDeps {
  db: Db;
  queue: RunQueue;
  events: RunEventLog;
  redis: Redis;
  names: RedisNames;
  maxAttempts: number;
  /** Called after each job added (the gateway counts them for backpressure). */
  onEnqueued?: () => void;
}

/**
 * The run lifecycle steps that touch the queue and the workers — start a run, announce its cancellation, hand
 * its thread to the next run — shared by gateways (accept, cancel), workers (finish) and the reconciler.
 */
export class RunScheduler {
  private readonly log = logger.child({ component: 'run-scheduler' });

  constructor(private readonly deps: RunSchedulerDeps) {}

  /**
   * Puts an active run on the queue (idempotent: the job id is the run id). Returns false when Redis could not be
   * reached: the run is safely stored in Postgres and the reconciler enqueues it as soon as Redis is back, so the
   * caller still reports the message as accepted.
   */
  async enqueue(run: RunRef & { traceparent?: string | undefined }): Promise<boolean> {
    try {
      const { traceparent, ...ref } = run;
      // Only the accepting request hands its trace on (W3C traceparent in the job): a run started later by a
      // worker or the reconciler begins a trace of its own rather than joining an unrelated run's.
      await enqueueRun(this.deps.queue, { ...ref, acceptedAt: Date.now(), ...(traceparent ? { traceparent } : {}) }, { maxAttempts: this.deps.maxAttempts });
      this.deps.onEnqueued?.();
      return true;
    } catch (error) {
      this.log.warn('could not enqueue run now; the reconciler will', { runId: run.runId, ...errorFields(error) });
      return false;
    }
  }

  /**
   * After a run was marked `cancelled` in Postgres: tell its user (`agent_stopped`, its last event) and tell the
   * worker running it, wherever it is, to abort.
   */
  async announceCancelled(run: RunRef, reason: string): Promise<void> {
    await this.deps.events.publish(run.userId, { type: 'agent_stopped', runId: run.runId, threadId: run.threadId, reason }, { once: 'terminal' });
    await ControlChannel.publishCancel(this.deps.redis, this.deps.names, { runId: run.runId, reason });
    // A queued job that never started need not wait for a worker to discover the cancellation.
    await this.deps.queue.remove(run.runId).catch(() => 0);
  }

  /**
   * Ends a queued or running run as `failed` with the reason, announces it once, and starts the thread's next run.
   * Returns false when the run had already ended (nothing changed; its own terminal event stands).
   */
  async fail(run: RunRef, reason: { code: string; message: string }): Promise<boolean> {
    const result = await this.deps.db.run.updateMany({
      where: { id: run.runId, status: { in: ['queued', 'running'] } },
      data: { status: 'failed', error: reason, finishedAt: new Date() },
    });
    if (result.count === 1) {
      this.log.warn('run failed', { runId: run.runId, reason });
      await this.deps.events.publish(run.userId, { type: 'agent_failed', runId: run.runId, threadId: run.threadId, error: reason }, { once: 'terminal' });
    }
    await this.advance(run.threadId, run.runId);
    return result.count === 1;
  }

  /**
   * Hands the thread to its next queued run once `finishedRunId` has ended (null: repair a thread with queued runs
   * but no active one), and queues that run. Safe to call more than once.
   */
  async advance(threadId: string, finishedRunId: string | null): Promise<void> {
    const next = await activateNextRun(this.deps.db, threadId, finishedRunId);
    if (next) await this.enqueue({ runId: next.runId, threadId: next.threadId, userId: next.userId });
  }
}

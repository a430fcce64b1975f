import type { Redis, RedisNames, RunQueue } from '@netra/bus';
import { querySql, sql, type Db } from '@netra/db';
import { errorFields, logger } from '@netra/observability';
import { IN_PROGRESS } from './transitions.js';
import type { RunEngine } from './engine.js';

export interface ReconcilerOptions {
  /** How often one worker of the fleet checks. Default 5 s. */
  intervalMs?: number;
  /** A run must be this old before it counts as stuck. Default 10 s. */
  staleAfterMs?: number;
  /** Rows examined per check. Default 500. */
  batch?: number;
}

export interface ReconcileReport {
  staleActive: number;
  orphanedThreads: number;
  requeued: number;
  failed: number;
}

/**
 * Postgres is the source of truth for runs; Redis only carries them. Every few seconds one worker (leader by a
 * Redis lock) repairs whatever a crash or a Redis data loss left behind:
 * - a thread whose active run already ended (crash between finishing a run and handing the thread on);
 * - a thread with queued runs but no active one;
 * - an active run with no job in the queue (gateway crash between commit and enqueue, Redis restart without
 *   AOF): it is enqueued again and resumes from its checkpoints;
 * - an active run whose job failed for good: it is recorded `failed`.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly log = logger.child({ component: 'reconciler' });
  private readonly intervalMs: number;
  private readonly staleAfterMs: number;
  private readonly batch: number;

  constructor(
    private readonly deps: { db: Db; queue: RunQueue; engine: RunEngine; redis: Redis; names: RedisNames },
    options: ReconcilerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 5_000;
    this.staleAfterMs = options.staleAfterMs ?? 10_000;
    this.batch = options.batch ?? 500;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    try {
      const lock = await this.deps.redis.set(this.deps.names.reconcilerLock, String(process.pid), 'PX', Math.max(1_000, this.intervalMs - 100), 'NX');
      if (lock !== 'OK') return;
      const report = await this.reconcileOnce();
      if (report.staleActive + report.orphanedThreads + report.requeued + report.failed > 0) this.log.warn('repaired runs', { ...report });
    } catch (error) {
      this.log.error('reconcile failed', errorFields(error));
    }
  }

  async reconcileOnce(): Promise<ReconcileReport> {
    const { db, engine, queue } = this.deps;
    const report: ReconcileReport = { staleActive: 0, orphanedThreads: 0, requeued: 0, failed: 0 };
    const staleSeconds = this.staleAfterMs / 1000;

    const stale = await querySql<{ thread_id: string; run_id: string }>(db, sql('reconcile_stale')`
      SELECT t.id AS thread_id, t.active_run_id AS run_id
        FROM threads t JOIN runs r ON r.id = t.active_run_id
       WHERE r.status::text <> ALL(${IN_PROGRESS}::text[])
       LIMIT ${this.batch}`);
    for (const row of stale) {
      await engine.handOver(row.thread_id, row.run_id);
      report.staleActive += 1;
    }

    const orphaned = await querySql<{ thread_id: string }>(db, sql('reconcile_orphaned')`
      SELECT DISTINCT r.thread_id
        FROM runs r JOIN threads t ON t.id = r.thread_id
       WHERE r.status = 'queued' AND t.active_run_id IS NULL
         AND r.created_at < now() - make_interval(secs => ${staleSeconds}::float8)
       LIMIT ${this.batch}`);
    for (const row of orphaned) {
      await engine.handOver(row.thread_id, null);
      report.orphanedThreads += 1;
    }

    const active = await querySql<{ id: string; thread_id: string; user_id: string }>(db, sql('reconcile_active')`
      SELECT r.id, r.thread_id, r.user_id
        FROM threads t JOIN runs r ON r.id = t.active_run_id
       WHERE r.status::text = ANY(${IN_PROGRESS}::text[])
         AND coalesce(r.started_at, r.created_at) < now() - make_interval(secs => ${staleSeconds}::float8)
       LIMIT ${this.batch}`);
    for (const run of active) {
      const ref = { runId: run.id, threadId: run.thread_id, userId: run.user_id };
      const state = await queue.getJobState(run.id);
      if (state === 'unknown') {
        await engine.enqueue(ref);
        report.requeued += 1;
      } else if (state === 'failed') {
        const job = await queue.getJob(run.id);
        await engine.fail(ref, { code: 'attempts_exhausted', message: job?.failedReason ?? 'the run failed in every attempt' });
        report.failed += 1;
      } else if (state === 'completed') {
        // Its job ended without finishing the run (should not happen): give the run a fresh job.
        await queue.remove(run.id);
        await engine.enqueue(ref);
        report.requeued += 1;
      }
    }
    return report;
  }
}

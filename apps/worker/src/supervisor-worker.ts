import { hostname } from 'node:os';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Config } from '@netra/config';
import type { RunJobData } from '@netra/contracts';
import { ControlChannel, RedisNames, WorkerLiveness } from '@netra/bus';
import { databaseReachable, isDatabaseUnavailable, UsageReadCache } from '@netra/db';
import { BreakerReporter, createLlmClient, type LlmClient } from '@netra/llm';
import { errorFields, logger, metrics } from '@netra/observability';
import { createInfra, Reconciler, type Infra, type RunEngine } from '@netra/runs';
import { CatalogService, UsageWriter, drainRebuilds } from '@netra/usage';
import { CancelAbort, ShutdownAbort } from './aborts.js';
import { WorkerHttpServer } from './http-server.js';
import { AgentFailedError, RunProcessor } from './processor.js';
import { UsageRecorder } from './usage-recorder.js';
import { WorkerWatch } from './watch.js';

export interface SupervisorWorkerOptions {
  config: Config;
  version: string;
}

/**
 * One worker process: a BullMQ worker on the `agent-runs` queue running the supervisor for each job, plus its
 * health/metrics endpoint. Lifecycle: `start()`, then `close()` on SIGTERM (finish or hand back active runs).
 */
export class SupervisorWorker {
  private readonly config: Config;
  private readonly names: RedisNames;
  private readonly log = logger.child({ component: 'supervisor-worker' });
  private readonly active = new Map<string, AbortController>();
  private reconciler: Reconciler | undefined;
  private infra: Infra | undefined;
  private llm: LlmClient | undefined;
  private recorder: UsageRecorder | undefined;
  private worker: Worker<RunJobData, void, 'run'> | undefined;
  private liveness: WorkerLiveness | undefined;
  private http: WorkerHttpServer | undefined;
  private processor: RunProcessor | undefined;
  private engine: RunEngine | undefined;
  private closing: Promise<void> | undefined;
  private breakerReporter: BreakerReporter | undefined;
  /** Webhook deliveries, budget checks, run webhooks, schedules. */
  private watch: WorkerWatch | undefined;
  /** The background rebuild of rollups queued by a migration (usage_rollup_rebuilds), stopped by `close`. */
  private readonly rebuildAbort = new AbortController();
  private rebuilding: Promise<void> | undefined;
  /** The port the health/metrics server listens on (after start). */
  httpPort = 0;
  /**
   * This process in the fleet: BullMQ names the worker's Redis connection after it (`queue.getWorkers()` lists it
   * in the gateway's readiness report), and the breaker reports are keyed by it.
   */
  readonly name = `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9._-]/g, '_');

  constructor(private readonly options: SupervisorWorkerOptions) {
    this.config = options.config;
    this.names = new RedisNames(this.config.REDIS_PREFIX);
  }

  async start(): Promise<void> {
    const { config } = this;
    const infra = await createInfra(config, 'worker');
    this.infra = infra;
    const { db, engine, events, queue, redis } = infra;
    // BullMQ's blocking connection, the cancel/LLM command subscriber, and the LLM cache — which fails fast
    // (`request`): a Redis blip makes a call uncached, never stuck.
    const queueConnection = await infra.connection('blocking', 'queue');
    const controlConnection = await infra.connection('blocking', 'control');
    const llmConnection = await infra.connection('request', 'llm');
    const catalog = new CatalogService(db);
    await catalog.seed();
    this.llm = createLlmClient(config, llmConnection);
    this.recorder = new UsageRecorder(this.llm, new UsageWriter(db, catalog, { dimensions: config.USAGE_DIMENSIONS }), catalog);

    this.engine = engine;
    this.processor = new RunProcessor({ db, events, llm: this.llm, engine, usageReads: new UsageReadCache() });

    // Cancellation reaches the worker running the run within milliseconds, wherever it is.
    const control = new ControlChannel(this.names);
    control.on('cancel', ({ runId, reason }) => this.active.get(runId)?.abort(new CancelAbort(reason)));
    // Breakers live here; their states go to Redis for the gateway's admin API, which sends commands back.
    this.breakerReporter = new BreakerReporter(this.llm, redis, this.names, this.name);
    const reporter = this.breakerReporter;
    control.on('llm', (command) => reporter.handle(command));
    reporter.start();
    await control.listen(controlConnection);
    // A cancel broadcast while the control connection was down is lost: ask Postgres once it is back.
    controlConnection.on('ready', () => void this.abortCancelledRuns());

    this.reconciler = new Reconciler(
      { db, queue, engine, redis, names: this.names },
      { intervalMs: config.RECONCILE_INTERVAL_MS, staleAfterMs: Math.max(2_000, 2 * config.RECONCILE_INTERVAL_MS) },
    );

    const worker = new Worker<RunJobData, void, 'run'>(this.names.runQueue, (job, token) => this.handle(job, token), {
      connection: queueConnection,
      prefix: this.names.bullPrefix,
      concurrency: config.WORKER_CONCURRENCY,
      // The lock stays long (a busy event loop or a Redis blip must not hand a live worker's run to another);
      // a dead worker is found by its missing heartbeat (WorkerLiveness), which releases its locks, and this
      // frequent stalled check then moves its jobs back to wait.
      lockDuration: config.RUN_LOCK_MS,
      stalledInterval: 1_000,
      // A job that stalls (its worker died) is retried; one that keeps killing workers ends failed.
      maxStalledCount: Math.max(0, config.RUN_MAX_ATTEMPTS - 1),
      autorun: false,
      name: this.name,
    });
    worker.on('failed', (job, error) => {
      if (job) void this.onFailed(job, error);
    });
    worker.on('error', (error) => this.log.error('worker error', errorFields(error)));
    this.worker = worker;
    this.liveness = new WorkerLiveness(
      redis,
      this.names,
      queue,
      worker.id,
      () => ({ name: this.name, active: this.active.size, concurrency: config.WORKER_CONCURRENCY }),
      { ttlMs: config.WORKER_HEARTBEAT_TTL_MS },
    );
    this.liveness.on('released', (jobIds) => this.log.warn('took over the runs of a dead worker', { runs: jobIds }));
    this.liveness.on('error', (error) => this.log.warn('worker heartbeat failed', errorFields(error)));

    this.http = new WorkerHttpServer({
      port: config.WORKER_HTTP_PORT,
      metricsToken: config.METRICS_TOKEN,
      version: this.options.version,
      checks: {
        postgres: async () => {
          await db.$queryRaw`SELECT 1`;
        },
        redis: async () => {
          await redis.ping();
        },
        worker: async () => {
          if (!worker.isRunning()) throw new Error('not running');
          return { concurrency: config.WORKER_CONCURRENCY, active: this.active.size };
        },
      },
    });
    this.httpPort = await this.http.start();
    await this.liveness.start();
    this.watch = new WorkerWatch({ config, infra, name: this.name });
    await this.watch.start();
    this.reconciler.start();
    this.rebuilding = this.drainRollupRebuilds(config.USAGE_DIMENSIONS);
    void worker.run().catch((error: unknown) => this.log.error('worker stopped with an error', errorFields(error)));
    await worker.waitUntilReady();
    this.log.info('worker ready', { worker: this.name, concurrency: config.WORKER_CONCURRENCY, httpPort: this.httpPort, queue: this.names.runQueue, llm: this.llm.models });
  }

  /**
   * Rolls up again, in the background, the days a migration queued (every worker helps; each day is claimed by one).
   * Until a day is done its counts, cost and latency are already right; only the figures the migration added read 0.
   */
  private async drainRollupRebuilds(dimensions: readonly string[]): Promise<void> {
    const db = this.infra?.db;
    if (!db) return;
    try {
      const days = await drainRebuilds(db, dimensions, { signal: this.rebuildAbort.signal });
      if (days > 0) this.log.info('usage rollups rebuilt', { days });
    } catch (error) {
      // The queue keeps the day: the next worker start (or this one's next) takes it up again.
      this.log.warn('usage rollup rebuild stopped; it resumes at the next start', errorFields(error));
    }
  }

  private async abortCancelledRuns(): Promise<void> {
    if (this.active.size === 0 || !this.engine) return;
    try {
      const cancelled = await this.engine.cancelledAmong([...this.active.keys()]);
      for (const id of cancelled) this.active.get(id)?.abort(new CancelAbort('cancelled while the control channel was down'));
    } catch (error) {
      this.log.warn('could not check for cancelled runs', errorFields(error));
    }
  }

  private async handle(job: Job<RunJobData, void, 'run'>, token: string | undefined): Promise<void> {
    const processor = this.processor;
    if (!processor) throw new Error('worker not started');
    const controller = new AbortController();
    const key = job.data.runId;
    this.active.set(key, controller);
    try {
      for (;;) {
        try {
          await processor.process(job.data, job.id, controller.signal);
          break;
        } catch (error) {
          // PostgreSQL down or restarting is waited out here, holding the job (its lock is renewed through
          // Redis): the run then resumes from its last checkpoint without spending a BullMQ attempt.
          if (!isDatabaseUnavailable(error) || controller.signal.aborted) throw error;
          await this.waitForDatabase(job.data.runId, controller.signal, error);
        }
      }
    } catch (error) {
      if (error instanceof AgentFailedError) throw new UnrecoverableError(error.message);
      if (controller.signal.reason instanceof ShutdownAbort && token) {
        // Hand the run back without spending an attempt: another worker resumes it from its last checkpoint.
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      throw error;
    } finally {
      this.active.delete(key);
    }
  }

  /**
   * Polls PostgreSQL until it answers (backing off from 250 ms to 2 s), for at most DATABASE_OUTAGE_WAIT_MS from
   * the first failure; past that the original error goes on and the outage spends one attempt after all.
   */
  private async waitForDatabase(runId: string, signal: AbortSignal, cause: unknown): Promise<void> {
    const db = this.infra?.db;
    if (!db) throw cause;
    const deadline = Date.now() + this.config.DATABASE_OUTAGE_WAIT_MS;
    this.log.warn('PostgreSQL unavailable; the run waits for it', { runId, ...errorFields(cause) });
    metrics.runsWaitingForDatabase.inc();
    try {
      for (let delay = 250; ; delay = Math.min(2_000, delay * 2)) {
        if (Date.now() + delay > deadline) throw cause;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
        });
        signal.throwIfAborted();
        if (await databaseReachable(db)) {
          this.log.info('PostgreSQL is back; the run resumes from its checkpoint', { runId });
          return;
        }
      }
    } finally {
      metrics.runsWaitingForDatabase.dec();
    }
  }

  /** A job that will not be retried again leaves its run `failed`, with the reason. */
  private async onFailed(job: Job<RunJobData, void, 'run'>, error: Error): Promise<void> {
    // BullMQ fails a job that stalled too often with a plain Error; its `stc` (stall count) field says so.
    const stalledOut = job.stalledCounter > Math.max(0, this.config.RUN_MAX_ATTEMPTS - 1);
    const final = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1) || stalledOut;
    this.log.warn('job failed', { jobId: job.id, runId: job.data.runId, attemptsMade: job.attemptsMade, final, ...errorFields(error) });
    if (!final || error instanceof UnrecoverableError || !this.processor) return;
    // Recorded here; if this process dies first, the reconciler finds the failed job and records it.
    try {
      await this.processor.failRun(
        { id: job.data.runId, threadId: job.data.threadId, userId: job.data.userId },
        { code: 'attempts_exhausted', message: `gave up after ${job.attemptsMade} attempts: ${error.message}` },
      );
      metrics.jobDuration.observe({ outcome: 'failed' }, 0);
    } catch (failError) {
      this.log.error('could not record the failed run', { runId: job.data.runId, ...errorFields(failError) });
    }
  }

  /** Stops taking jobs; lets active runs finish for `graceMs`, then hands the rest back to the queue. */
  close(graceMs = this.config.SHUTDOWN_GRACE_MS): Promise<void> {
    this.closing ??= this.doClose(graceMs);
    return this.closing;
  }

  private async doClose(graceMs: number): Promise<void> {
    this.log.info('worker closing', { active: this.active.size, graceMs });
    const worker = this.worker;
    if (worker) {
      const closed = worker.close();
      const timer = setTimeout(() => {
        this.log.warn('grace period over; handing active runs back', { active: this.active.size });
        for (const controller of this.active.values()) controller.abort(new ShutdownAbort());
      }, graceMs);
      await closed;
      clearTimeout(timer);
    }
    await this.liveness?.close().catch((error: unknown) => this.log.warn('could not remove the heartbeat; it expires by itself', errorFields(error)));
    await this.reconciler?.close();
    await this.watch?.close();
    this.rebuildAbort.abort();
    await this.rebuilding;
    await this.breakerReporter?.close();
    await this.http?.close();
    await this.recorder?.close();
    this.llm?.close();
    await this.infra?.close();
    this.log.info('worker closed');
  }
}

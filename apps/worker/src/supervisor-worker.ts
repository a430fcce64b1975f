import { hostname } from 'node:os';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Config } from '@netra/config';
import type { RunJobData } from '@netra/contracts';
import { ControlChannel, createRedis, createRunQueue, LlmOps, RedisNames, RunEventLog, waitForRedis, type Redis, type RunQueue } from '@netra/bus';
import { createPrismaClient, type Db } from '@netra/db';
import { createLlmClient, type LlmClient } from '@netra/llm';
import { errorFields, logger, metrics } from '@netra/observability';
import { Reconciler, RunScheduler } from '@netra/runs';
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
  private db: Db | undefined;
  private queueConnection: Redis | undefined;
  private eventsConnection: Redis | undefined;
  private controlConnection: Redis | undefined;
  private queue: RunQueue | undefined;
  private reconciler: Reconciler | undefined;
  private llmConnection: Redis | undefined;
  private llm: LlmClient | undefined;
  private recorder: UsageRecorder | undefined;
  private worker: Worker<RunJobData, void, 'run'> | undefined;
  private http: WorkerHttpServer | undefined;
  private processor: RunProcessor | undefined;
  private closing: Promise<void> | undefined;
  private llmOps: LlmOps | undefined;
  /** Issue 15: webhook deliveries, budget checks, run webhooks. */
  private watch: WorkerWatch | undefined;
  private breakerHeartbeat: NodeJS.Timeout | undefined;
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
    this.db = createPrismaClient({ databaseUrl: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, preparedStatements: config.DATABASE_PREPARED_STATEMENTS, applicationName: 'netra-worker' });
    this.queueConnection = createRedis(config.REDIS_URL, { role: 'blocking', name: `${config.REDIS_PREFIX}:worker:${process.pid}` });
    this.eventsConnection = createRedis(config.REDIS_URL, { role: 'durable', name: `${config.REDIS_PREFIX}:worker-events:${process.pid}` });
    this.controlConnection = createRedis(config.REDIS_URL, { role: 'blocking', name: `${config.REDIS_PREFIX}:worker-control:${process.pid}` });
    // The LLM cache fails fast (`request`): a Redis blip makes a call uncached, never stuck.
    this.llmConnection = createRedis(config.REDIS_URL, { role: 'request', name: `${config.REDIS_PREFIX}:worker-llm:${process.pid}` });
    await Promise.all([
      waitForRedis(this.queueConnection),
      waitForRedis(this.eventsConnection),
      waitForRedis(this.controlConnection),
      waitForRedis(this.llmConnection),
      this.db.$queryRaw`SELECT 1`,
    ]);
    const catalog = new CatalogService(this.db);
    await catalog.seed();
    this.llm = createLlmClient(config, this.llmConnection);
    this.recorder = new UsageRecorder(this.llm, new UsageWriter(this.db, catalog, { dimensions: config.USAGE_DIMENSIONS }), catalog);

    const events = new RunEventLog(this.eventsConnection, this.names, {
      retentionSeconds: config.EVENT_RETENTION_SECONDS,
      maxLen: config.EVENT_LOG_MAXLEN,
    });
    this.queue = createRunQueue(this.eventsConnection, this.names);
    const scheduler = new RunScheduler({
      db: this.db,
      queue: this.queue,
      events,
      redis: this.eventsConnection,
      names: this.names,
      maxAttempts: config.RUN_MAX_ATTEMPTS,
    });
    this.processor = new RunProcessor({ db: this.db, events, llm: this.llm, scheduler });

    // Cancellation reaches the worker running the run within milliseconds, wherever it is.
    const control = new ControlChannel(this.names);
    control.on('cancel', ({ runId, reason }) => this.active.get(runId)?.abort(new CancelAbort(reason)));
    // Breakers live here; their states go to Redis for the gateway's admin API, which sends commands back.
    const llm = this.llm;
    const llmOps = new LlmOps(this.eventsConnection, this.names);
    this.llmOps = llmOps;
    const publishBreakers = () =>
      void llmOps.publishBreakers(this.name, llm.breakerStates()).catch((error: unknown) => this.log.warn('could not publish breaker states', errorFields(error)));
    llm.on('breakers', publishBreakers);
    control.on('llm', (command) => {
      if (command.action === 'breaker_close' && llm.forceCloseBreaker(command.provider, command.model)) publishBreakers();
    });
    publishBreakers();
    this.breakerHeartbeat = setInterval(publishBreakers, 10_000);
    this.breakerHeartbeat.unref();
    await control.listen(this.controlConnection);
    // A cancel broadcast while the control connection was down is lost: ask Postgres once it is back.
    this.controlConnection.on('ready', () => void this.abortCancelledRuns());

    this.reconciler = new Reconciler(
      { db: this.db, queue: this.queue, scheduler, redis: this.eventsConnection, names: this.names },
      { intervalMs: config.RECONCILE_INTERVAL_MS, staleAfterMs: Math.max(2_000, 2 * config.RECONCILE_INTERVAL_MS) },
    );

    const worker = new Worker<RunJobData, void, 'run'>(this.names.runQueue, (job, token) => this.handle(job, token), {
      connection: this.queueConnection,
      prefix: this.names.bullPrefix,
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration: config.RUN_LOCK_MS,
      stalledInterval: Math.max(1_000, Math.round(config.RUN_LOCK_MS / 2)),
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

    const db = this.db;
    const redis = this.eventsConnection;
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
    this.watch = new WorkerWatch({ config, db, names: this.names, name: this.name });
    await this.watch.start(worker);
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
    const db = this.db;
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
    if (this.active.size === 0 || !this.db) return;
    try {
      const cancelled = await this.db.run.findMany({ where: { id: { in: [...this.active.keys()] }, status: 'cancelled' }, select: { id: true } });
      for (const { id } of cancelled) this.active.get(id)?.abort(new CancelAbort('cancelled while the control channel was down'));
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
      await processor.process(job.data, job.id, controller.signal);
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

  /** A job that will not be retried again leaves its run `failed`, with the reason. */
  private async onFailed(job: Job<RunJobData, void, 'run'>, error: Error): Promise<void> {
    const final = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled more than/i.test(error.message);
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
    await this.reconciler?.close();
    await this.watch?.close();
    this.rebuildAbort.abort();
    await this.rebuilding;
    clearInterval(this.breakerHeartbeat);
    // If this fails, readers drop the entry once it is 30 s stale (LlmOps.breakers); shutdown goes on.
    await this.llmOps?.removeWorker(this.name).catch((error: unknown) => this.log.warn('could not remove this worker from the breaker registry', errorFields(error)));
    await this.http?.close();
    await this.recorder?.close();
    this.llm?.close();
    await this.queue?.close();
    await Promise.allSettled([
      this.queueConnection?.quit(),
      this.eventsConnection?.quit(),
      this.controlConnection?.quit(),
      this.llmConnection?.quit(),
      this.db?.$disconnect(),
    ]);
    this.log.info('worker closed');
  }
}

import { ControlChannel, LlmOps, queueWorkers, type Redis, type RedisNames, type RunQueue } from '@netra/bus';
import {
  AgentName,
  ConflictError,
  NotFoundError,
  RunJobData,
  type ActiveRun,
  type AdminJob,
  type AdminJobList,
  type BreakerReport,
  type FailedJobsQuery,
  type ForceCloseBreakerBody,
  type LlmCacheStats,
  type QueueOverview,
} from '@netra/contracts';
import type { Db } from '@netra/db';
import { parseTraceparent } from '@netra/observability';

/**
 * What operators read and do through `/api/v1/admin`: the queue and its failed jobs, active runs, and the LLM
 * layer of the workers (cache, breakers) through Redis — the gateway never imports LLM or agent code.
 */
export class AdminService {
  private readonly llm: LlmOps;

  constructor(
    private readonly deps: { db: Db; queue: RunQueue; redis: Redis; names: RedisNames },
  ) {
    this.llm = new LlmOps(deps.redis, deps.names);
  }

  async queue(): Promise<QueueOverview> {
    const [counts, workers] = await Promise.all([
      this.deps.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed', 'paused'),
      queueWorkers(this.deps.queue),
    ]);
    return {
      name: this.deps.names.runQueue,
      counts: {
        waiting: counts.waiting ?? 0,
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        prioritized: counts.prioritized ?? 0,
        failed: counts.failed ?? 0,
        completed: counts.completed ?? 0,
        paused: counts.paused ?? 0,
      },
      workers,
    };
  }

  async failedJobs(query: FailedJobsQuery): Promise<AdminJobList> {
    const [jobs, total] = await Promise.all([
      this.deps.queue.getFailed(query.offset, query.offset + query.limit - 1),
      this.deps.queue.getFailedCount(),
    ]);
    const data: AdminJob[] = [];
    for (const job of jobs) {
      if (!job.id) continue;
      const parsed = RunJobData.safeParse(job.data);
      const run = parsed.success ? parsed.data : null;
      data.push({
        id: job.id,
        runId: run?.runId ?? null,
        threadId: run?.threadId ?? null,
        userId: run?.userId ?? null,
        acceptedAt: run ? new Date(run.acceptedAt).toISOString() : null,
        attemptsMade: job.attemptsMade,
        failedReason: job.failedReason || null,
        finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
        traceId: parseTraceparent(run?.traceparent)?.traceId ?? null,
      });
    }
    return { data, total };
  }

  /**
   * Puts a failed job back on the queue. Its run resumes from its checkpoints only if the run is not already
   * terminal: a worker that gave up recorded the run `failed`, and a failed run stays failed (exactly one final
   * state); retrying then just re-announces that outcome.
   */
  async retryJob(jobId: string): Promise<void> {
    const job = await this.deps.queue.getJob(jobId);
    if (!job) throw new NotFoundError('Job');
    if (!(await job.isFailed())) throw new ConflictError('Only failed jobs can be retried');
    await job.retry('failed');
  }

  async removeJob(jobId: string): Promise<void> {
    const job = await this.deps.queue.getJob(jobId);
    if (!job) throw new NotFoundError('Job');
    if (await job.isActive()) throw new ConflictError('The job is running; cancel its run instead');
    await job.remove();
  }

  async activeRuns(limit: number): Promise<ActiveRun[]> {
    const rows = await this.deps.db.run.findMany({
      where: { status: { in: ['queued', 'running'] } },
      orderBy: { createdAt: 'asc' },
      take: limit,
      select: {
        id: true,
        threadId: true,
        userId: true,
        status: true,
        attempts: true,
        createdAt: true,
        startedAt: true,
        steps: { where: { status: 'running' }, orderBy: { position: 'desc' }, take: 1, select: { agent: true } },
      },
    });
    return rows.map((r) => {
      const agent = AgentName.safeParse(r.steps[0]?.agent);
      return {
      id: r.id,
      threadId: r.threadId,
      userId: r.userId,
      status: r.status,
      attempts: r.attempts,
      createdAt: r.createdAt.toISOString(),
      startedAt: r.startedAt?.toISOString() ?? null,
      currentAgent: agent.success ? agent.data : null,
      };
    });
  }

  cacheStats(): Promise<LlmCacheStats> {
    return this.llm.cacheStats();
  }

  clearCache(): Promise<number> {
    return this.llm.clearCache();
  }

  async breakers(): Promise<BreakerReport> {
    return { data: await this.llm.breakers() };
  }

  /** Tells every worker to close the breaker; returns how many workers got the command. */
  forceCloseBreaker(body: ForceCloseBreakerBody): Promise<number> {
    return ControlChannel.publishLlm(this.deps.redis, this.deps.names, { action: 'breaker_close', ...body });
  }
}

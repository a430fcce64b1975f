import { z } from 'zod';
import { AgentName, IsoDateTime, RunStatus, Uuid } from './common.js';

/** Operator endpoints under `/api/v1/admin` (admin role only). */

export const AdminSession = z.object({
  /** When the `netra_admin` cookie (scoped to `/admin`) stops working. */
  expiresAt: IsoDateTime,
  /** Where the cookie works: Bull Board. */
  url: z.string(),
});
export type AdminSession = z.infer<typeof AdminSession>;

export const QueueJobCounts = z.object({
  waiting: z.number().int().nonnegative(),
  active: z.number().int().nonnegative(),
  delayed: z.number().int().nonnegative(),
  prioritized: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  paused: z.number().int().nonnegative(),
});

export const QueueWorker = z.object({
  /** `<host>-<pid>` of the worker process. */
  name: z.string(),
  addr: z.string().optional(),
  /** Seconds the worker's connection has been open. */
  ageSeconds: z.number().int().nonnegative().optional(),
  idleSeconds: z.number().int().nonnegative().optional(),
});
export type QueueWorker = z.infer<typeof QueueWorker>;

export const QueueOverview = z.object({
  name: z.string(),
  counts: QueueJobCounts,
  workers: z.array(QueueWorker),
});
export type QueueOverview = z.infer<typeof QueueOverview>;

/**
 * A job of the `agent-runs` queue as operators see it: ids only, never prompts or secrets. The ids are null for a
 * job whose payload is not a valid run job (which is usually why it failed).
 */
export const AdminJob = z.object({
  id: z.string(),
  runId: Uuid.nullable(),
  threadId: Uuid.nullable(),
  userId: Uuid.nullable(),
  acceptedAt: IsoDateTime.nullable(),
  attemptsMade: z.number().int().nonnegative(),
  failedReason: z.string().nullable(),
  finishedAt: IsoDateTime.nullable(),
  /** The W3C trace id the run was accepted under (find the trace in your tracing backend). */
  traceId: z.string().nullable(),
});
export type AdminJob = z.infer<typeof AdminJob>;

export const FailedJobsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type FailedJobsQuery = z.infer<typeof FailedJobsQuery>;

export const AdminJobList = z.object({ data: z.array(AdminJob), total: z.number().int().nonnegative() });
export type AdminJobList = z.infer<typeof AdminJobList>;

export const JobIdParams = z.object({ jobId: z.string().min(1).max(128).regex(/^[A-Za-z0-9:_-]+$/, 'not a job id') });

export const JobActionResult = z.object({ jobId: z.string(), action: z.enum(['retried', 'removed']) });
export type JobActionResult = z.infer<typeof JobActionResult>;

export const LlmCacheStats = z.object({
  /** Cached answers (counted up to `countLimit`). */
  entries: z.number().int().nonnegative(),
  /** True when there are more entries than were counted. */
  truncated: z.boolean(),
  hits: z.number().int().nonnegative(),
  misses: z.number().int().nonnegative(),
  /** hits / (hits + misses), null before the first lookup. */
  hitRate: z.number().min(0).max(1).nullable(),
});
export type LlmCacheStats = z.infer<typeof LlmCacheStats>;

export const LlmCacheCleared = z.object({ deleted: z.number().int().nonnegative() });

export const BreakerState = z.enum(['closed', 'open', 'halfOpen']);
export const BreakerStatus = z.object({ provider: z.string(), model: z.string(), state: BreakerState });
export type BreakerStatus = z.infer<typeof BreakerStatus>;

/** What one worker last reported about its breakers (workers publish on every change and every few seconds). */
export const WorkerBreakers = z.object({
  worker: z.string(),
  reportedAt: IsoDateTime,
  breakers: z.array(BreakerStatus),
});
export type WorkerBreakers = z.infer<typeof WorkerBreakers>;

export const BreakerReport = z.object({ data: z.array(WorkerBreakers) });
export type BreakerReport = z.infer<typeof BreakerReport>;

export const ForceCloseBreakerBody = z.object({ provider: z.string().min(1).max(64), model: z.string().min(1).max(128) });
export type ForceCloseBreakerBody = z.infer<typeof ForceCloseBreakerBody>;

export const ForceCloseResult = z.object({
  provider: z.string(),
  model: z.string(),
  /** Worker processes that received the command (Redis PUBLISH receivers). */
  delivered: z.number().int().nonnegative(),
});

export const ActiveRun = z.object({
  id: Uuid,
  threadId: Uuid,
  userId: Uuid,
  status: RunStatus,
  attempts: z.number().int().nonnegative(),
  createdAt: IsoDateTime,
  startedAt: IsoDateTime.nullable(),
  /** The sub-agent running now (null while queued). */
  currentAgent: AgentName.nullable(),
});
export type ActiveRun = z.infer<typeof ActiveRun>;

export const ActiveRunsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
export const ActiveRunList = z.object({ data: z.array(ActiveRun) });
export type ActiveRunList = z.infer<typeof ActiveRunList>;

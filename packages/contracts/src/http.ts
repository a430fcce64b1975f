import { z } from 'zod';
import {
  AgentName,
  ClientMessageId,
  Cursor,
  DoubleTextStrategy,
  EventId,
  IsoDateTime,
  Limit,
  MessageText,
  RunStatus,
  StepStatus,
  UNSTORABLE_MESSAGE,
  isStorableText,
  Uuid,
  page,
} from './common.js';
import { Report } from './report.js';

// ---- path parameters ----------------------------------------------------------------------------------

export const IdParams = z.object({ id: Uuid });

// ---- auth ---------------------------------------------------------------------------------------------

export const DevTokenBody = z.object({
  userId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._@:-]+$/, 'userId may contain letters, digits and . _ @ : -'),
  roles: z.array(z.enum(['admin'])).max(4).optional(),
});
export type DevTokenBody = z.infer<typeof DevTokenBody>;

export const TokenResponse = z.object({ token: z.string(), tokenType: z.literal('Bearer'), expiresAt: IsoDateTime });

/**
 * `GET /public-config` (no authentication): what a client must know before signing in — whether development
 * sign-in is offered — so it never has to probe an endpoint and log a refusal. Nothing secret, nothing per user.
 */
export const PublicConfig = z.object({
  /** `POST /auth/dev-token` is on (AUTH_DEV_LOGIN). */
  devLogin: z.boolean(),
});
export type PublicConfig = z.infer<typeof PublicConfig>;

/** `POST /ws-tickets`: a single-use ticket for browsers, which cannot send Authorization on a WebSocket upgrade. */
export const WsTicketResponse = z.object({ ticket: z.string(), expiresAt: IsoDateTime, url: z.string() });
export type WsTicketResponse = z.infer<typeof WsTicketResponse>;

// ---- threads ------------------------------------------------------------------------------------------

export const ThreadTitle = z.string().trim().min(1).max(200).refine(isStorableText, UNSTORABLE_MESSAGE);

export const CreateThreadBody = z.object({ title: ThreadTitle.optional() });
export type CreateThreadBody = z.infer<typeof CreateThreadBody>;

export const UpdateThreadBody = z
  .object({ title: ThreadTitle.optional(), archived: z.boolean().optional() })
  .refine((b) => b.title !== undefined || b.archived !== undefined, 'nothing to update: send title and/or archived');
export type UpdateThreadBody = z.infer<typeof UpdateThreadBody>;

export const Thread = z.object({
  id: Uuid,
  title: z.string(),
  archived: z.boolean(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Thread = z.infer<typeof Thread>;

export const ListThreadsQuery = z.object({
  limit: Limit(100, 20),
  cursor: Cursor.optional(),
  archived: z.enum(['true', 'false', 'all']).default('false'),
  q: z.string().trim().min(1).max(200).refine(isStorableText, UNSTORABLE_MESSAGE).optional(),
});
export type ListThreadsQuery = z.infer<typeof ListThreadsQuery>;

export const ThreadPage = page(Thread);
export type ThreadPage = z.infer<typeof ThreadPage>;

// ---- messages -----------------------------------------------------------------------------------------

export const Message = z.object({
  id: Uuid,
  threadId: Uuid,
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  report: Report.nullable(),
  clientMessageId: z.string().nullable(),
  /** For a user message, the run it started; for an assistant message, the run that wrote it. */
  runId: Uuid.nullable(),
  createdAt: IsoDateTime,
});
export type Message = z.infer<typeof Message>;

export const ListMessagesQuery = z.object({
  limit: Limit(100, 50),
  cursor: Cursor.optional(),
  order: z.enum(['asc', 'desc']).default('desc'),
});
export type ListMessagesQuery = z.infer<typeof ListMessagesQuery>;

export const MessagePage = page(Message);
export type MessagePage = z.infer<typeof MessagePage>;

export const PostMessageBody = z.object({
  text: MessageText,
  clientMessageId: ClientMessageId.optional(),
  strategy: DoubleTextStrategy.optional(),
});
export type PostMessageBody = z.infer<typeof PostMessageBody>;

export const MessageAccepted = z.object({
  messageId: Uuid,
  runId: Uuid,
  threadId: Uuid,
  clientMessageId: ClientMessageId,
});
export type MessageAccepted = z.infer<typeof MessageAccepted>;

// ---- runs ---------------------------------------------------------------------------------------------

export const RunStep = z.object({
  agent: AgentName,
  status: StepStatus,
  attempt: z.number().int().positive(),
  summary: z.string().nullable(),
  output: z.unknown().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  startedAt: IsoDateTime,
  finishedAt: IsoDateTime.nullable(),
  durationMs: z.number().int().nonnegative().nullable(),
});
export type RunStep = z.infer<typeof RunStep>;

export const Run = z.object({
  id: Uuid,
  threadId: Uuid,
  userMessageId: Uuid,
  assistantMessageId: Uuid.nullable(),
  status: RunStatus,
  strategy: DoubleTextStrategy,
  attempts: z.number().int().nonnegative(),
  createdAt: IsoDateTime,
  startedAt: IsoDateTime.nullable(),
  finishedAt: IsoDateTime.nullable(),
  durationMs: z.number().int().nonnegative().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  report: Report.nullable(),
  steps: z.array(RunStep),
});
export type Run = z.infer<typeof Run>;

/** `GET /threads/:id/runs`: a thread's runs without their reports and steps (`GET /runs/:id` has those). */
export const RunSummary = Run.omit({ report: true, steps: true }).extend({
  /** What the run's question was classified as (null before triage ran). */
  intent: z.string().nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const ListRunsQuery = z.object({
  limit: Limit(100, 20),
  cursor: Cursor.optional(),
});
export type ListRunsQuery = z.infer<typeof ListRunsQuery>;

export const RunPage = page(RunSummary);
export type RunPage = z.infer<typeof RunPage>;

export const RunEventsQuery = z.object({ after: EventId.optional() });

/** `GET /health/live`: the process is up (says nothing about its dependencies). */
export const Liveness = z.object({ status: z.literal('ok'), service: z.string() });

// ---- health -------------------------------------------------------------------------------------------

export const DependencyHealth = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number().nonnegative(),
  error: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type DependencyHealth = z.infer<typeof DependencyHealth>;

export const Health = z.object({
  status: z.enum(['ok', 'unavailable']),
  service: z.string(),
  version: z.string(),
  uptimeSeconds: z.number().nonnegative(),
  checks: z.record(z.string(), DependencyHealth),
});
export type Health = z.infer<typeof Health>;

/** `POST /runs/:id/cancel`: cancelling a finished run is a no-op that says so (`cancelled: false`). */
export const CancelResult = z.object({
  runId: Uuid,
  status: RunStatus,
  cancelled: z.boolean(),
  message: z.string(),
});
export type CancelResult = z.infer<typeof CancelResult>;

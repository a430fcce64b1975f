import { z } from 'zod';

/** Every id Netra generates is a UUID; ids are validated before they reach a query. */
export const Uuid = z.uuid();

/** ISO-8601 timestamp with a timezone, as produced by `Date.prototype.toISOString`. */
export const IsoDateTime = z.iso.datetime({ offset: true });

/**
 * Event ids are the position of an event in its thread's event log, as a 16-digit zero-padded decimal.
 * They are strictly increasing within a run and within a thread, so plain string comparison orders them.
 */
export const EventId = z.string().regex(/^\d{16}$/, 'eventId must be 16 decimal digits');
export const EVENT_ID_WIDTH = 16;

export function formatEventId(seq: number): string {
  return String(seq).padStart(EVENT_ID_WIDTH, '0');
}

export const AGENTS = ['triage', 'data', 'optimization', 'actions', 'reporting'] as const;
export const AgentName = z.enum(AGENTS);
export type AgentName = z.infer<typeof AgentName>;

export const RunStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatus>;
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

export const StepStatus = z.enum(['running', 'completed', 'failed', 'skipped']);
export type StepStatus = z.infer<typeof StepStatus>;

/** What happens to a new message while the thread already has a run in flight ("double-texting"). */
export const DoubleTextStrategy = z.enum(['enqueue', 'reject', 'interrupt']);
export type DoubleTextStrategy = z.infer<typeof DoubleTextStrategy>;

/**
 * What Postgres cannot store as sent: NUL (text and jsonb refuse it: the request would fail as an internal
 * error) and unpaired UTF-16 surrogates (not Unicode; they would come back as U+FFFD, changed).
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
export const UNSTORABLE_MESSAGE = 'must not contain NUL characters or unpaired surrogates';

export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** True when every string (keys included) of a JSON value is storable, and it nests at most `maxDepth` deep. */
export function isStorableJson(value: unknown, maxDepth: number): boolean {
  if (typeof value === 'string') return isStorableText(value);
  if (value === null || typeof value !== 'object') return true;
  if (maxDepth <= 0) return false;
  if (Array.isArray(value)) return value.every((v) => isStorableJson(v, maxDepth - 1));
  return Object.entries(value).every(([k, v]) => isStorableText(k) && isStorableJson(v, maxDepth - 1));
}

/** A string Postgres stores exactly as sent. */
export const StorableString = z.string().refine(isStorableText, UNSTORABLE_MESSAGE);

export const MessageText = z
  .string()
  .min(1)
  .max(32_000)
  .refine((s) => s.trim().length > 0, 'text must not be blank')
  .refine(isStorableText, UNSTORABLE_MESSAGE);

export const ClientMessageId = z.string().min(1).max(64).refine(isStorableText, UNSTORABLE_MESSAGE);

/** Opaque keyset-pagination cursor (base64url); decoded and validated by the service that issued it. */
export const Cursor = z.string().min(1).max(512).regex(/^[A-Za-z0-9_-]+$/, 'cursor is not valid');

export const Limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

export function page<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() });
}

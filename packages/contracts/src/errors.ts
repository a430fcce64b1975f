import { z } from 'zod';

/** Machine-readable error codes, shared by HTTP bodies and WebSocket `error` frames. */
export const ErrorCode = z.enum([
  'invalid_message',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'overloaded',
  'thread_busy',
  'unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.unknown().optional(),
    retryAfterMs: z.number().int().nonnegative().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export interface NetraErrorOptions {
  details?: unknown;
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * The root of Netra's error hierarchy. Every error that crosses a boundary (HTTP, WebSocket, job) is one of
 * these, so callers branch on `code`, never on message text. Anything else that escapes is an `internal` bug.
 */
export class NetraError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: NetraErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
    this.retryAfterMs = options.retryAfterMs;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
        ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      },
    };
  }
}

/** A zod issue, reduced to what a client needs to fix its input. */
export interface ValidationIssue {
  path: (string | number)[];
  code: string;
  message: string;
}

export class ValidationError extends NetraError {
  constructor(message: string, issues: ValidationIssue[] = []) {
    super('invalid_message', message, { details: { issues } });
  }

  static fromZod(error: z.ZodError, what = 'input'): ValidationError {
    const issues = error.issues.map((i) => ({
      path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
      code: i.code,
      message: i.message,
    }));
    const first = issues[0];
    const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
    return new ValidationError(`Invalid ${what}${where}: ${first?.message ?? 'malformed'}`, issues);
  }
}

export class UnauthorizedError extends NetraError {
  constructor(message = 'Authentication required') {
    super('unauthorized', message);
  }
}

export class ForbiddenError extends NetraError {
  constructor(message = 'Not allowed') {
    super('forbidden', message);
  }
}

/** Also used for other users' resources, so that ids never leak whether they exist. */
export class NotFoundError extends NetraError {
  constructor(what: string) {
    super('not_found', `${what} not found`);
  }
}

/** The kinds of user-owned resource whose ids appear in paths (and in the `resource` field of a cross-tenant audit). */
export type OwnedResource = 'thread' | 'run' | 'webhook' | 'budget' | 'schedule' | 'recommendation';

/** An attempt on a resource that exists but belongs to another user. */
export interface CrossTenantAttempt {
  userId: string;
  resource: OwnedResource;
  resourceId: string;
  ownerId: string;
}

/** Told of each cross-tenant attempt; the gateway records it as a `cross_tenant` security event. */
export type CrossTenantAuditor = (attempt: CrossTenantAttempt) => void;

/**
 * The `not_found` for a resource the caller does not own: the same error whether the id exists or not (ids don't
 * leak). `owner` is the resource's owner looked up by id alone (null when there is no such id); when it is someone
 * else, the attempt is told to `audit`.
 */
export function notOwnedError(
  what: string,
  attempt: { userId: string; resource: OwnedResource; resourceId: string },
  owner: { userId: string } | null,
  audit: CrossTenantAuditor | undefined,
): NotFoundError {
  if (owner && owner.userId !== attempt.userId) audit?.({ ...attempt, ownerId: owner.userId });
  return new NotFoundError(what);
}

export class ConflictError extends NetraError {
  constructor(message: string, details?: unknown) {
    super('conflict', message, { details });
  }
}

export class RateLimitedError extends NetraError {
  constructor(retryAfterMs: number, message = 'Too many requests') {
    super('rate_limited', message, { retryAfterMs });
  }
}

export class OverloadedError extends NetraError {
  constructor(retryAfterMs: number, message = 'The system is at capacity; retry later') {
    super('overloaded', message, { retryAfterMs });
  }
}

export class ThreadBusyError extends NetraError {
  constructor(activeRunId: string) {
    super('thread_busy', 'The thread already has a run in progress', { details: { activeRunId } });
  }
}

export class UnavailableError extends NetraError {
  constructor(message: string, options: NetraErrorOptions = {}) {
    super('unavailable', message, options);
  }
}

export class InternalError extends NetraError {
  constructor(message = 'Internal error', options: NetraErrorOptions = {}) {
    super('internal', message, options);
  }
}

export function isNetraError(value: unknown): value is NetraError {
  return value instanceof NetraError;
}

import { InternalError, isNetraError, UnavailableError, type ErrorCode, type NetraError } from '@netra/contracts';
import { isRedisUnavailable } from '@netra/bus';
import { isDatabaseUnavailable } from '@netra/db';

/** The HTTP status of each error code. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_message: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  overloaded: 503,
  thread_busy: 409,
  unavailable: 503,
  internal: 500,
};

/** How soon a client should retry after a dependency outage (PostgreSQL restarting takes a few seconds). */
const OUTAGE_RETRY_MS = { postgres: 2_000, redis: 1_000 } as const;

/**
 * Every error a client sees is a NetraError: ours as they are; a dependency outage — PostgreSQL down, starting
 * up or shutting down (by SQLSTATE / Prisma code / errno), Redis unreachable — becomes a retryable `unavailable`
 * with `retryAfterMs`; anything else is an `internal` bug (and gets logged by the caller). Sorted by type and
 * code, never by message text (see isDatabaseUnavailable, isRedisUnavailable).
 */
export function toNetraError(error: unknown): { error: NetraError; unexpected: boolean } {
  if (isNetraError(error)) return { error, unexpected: false };
  if (isDatabaseUnavailable(error)) {
    return { error: new UnavailableError('The database is unavailable; retry shortly', { retryAfterMs: OUTAGE_RETRY_MS.postgres }), unexpected: false };
  }
  if (isRedisUnavailable(error)) {
    return { error: new UnavailableError('A backing service is unavailable; retry shortly', { retryAfterMs: OUTAGE_RETRY_MS.redis }), unexpected: false };
  }
  return { error: new InternalError(), unexpected: true };
}

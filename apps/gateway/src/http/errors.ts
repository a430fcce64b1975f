import { InternalError, isNetraError, UnavailableError, type ErrorCode, type NetraError } from '@netra/contracts';

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

/** Messages of failures that mean "a dependency is down right now", not "this request is wrong". */
const UNAVAILABLE = [
  /Stream isn't writeable/i,
  /Connection is closed/i,
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE/,
  /Command timed out/i,
  /Can't reach database server|connection terminated|timeout exceeded when trying to connect/i,
];

/**
 * Every error a client sees is a NetraError: ours as they are; a dependency outage (Redis, Postgres) becomes a
 * retryable `unavailable`; anything else is an `internal` bug (and gets logged by the caller).
 */
export function toNetraError(error: unknown): { error: NetraError; unexpected: boolean } {
  if (isNetraError(error)) return { error, unexpected: false };
  const message = error instanceof Error ? `${error.message} ${String((error as { code?: unknown }).code ?? '')}` : String(error);
  if (UNAVAILABLE.some((re) => re.test(message))) {
    return { error: new UnavailableError('A backing service is unavailable; retry shortly', { retryAfterMs: 1_000 }), unexpected: false };
  }
  return { error: new InternalError(), unexpected: true };
}

import { NetraError } from '@netra/contracts';

export type LlmFailure = 'http' | 'timeout' | 'network' | 'breaker_open' | 'aborted' | 'invalid_response';

/**
 * A failed attempt to get an answer from one model. `retryable` says whether the same model may be asked again
 * (429, 5xx, timeouts, network errors); `retryAfterMs` carries the server's Retry-After.
 */
export class LlmCallError extends NetraError {
  constructor(
    readonly failure: LlmFailure,
    message: string,
    readonly options: { status?: number; retryAfterMs?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super('unavailable', message, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
      details: { failure, ...(options.status === undefined ? {} : { status: options.status }) },
    });
  }

  get status(): number | undefined {
    return this.options.status;
  }

  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
}

/** HTTP statuses worth another attempt: rate limits, timeouts, and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

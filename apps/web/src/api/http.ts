import { ErrorBody, type ErrorCode } from '@netra/contracts';
import type { z } from 'zod';
import { problem, type Problem } from '../state/problem';

/** An HTTP call that failed, with its problem ready to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.message);
    this.name = 'ApiError';
  }
}

export interface HttpOptions {
  /** The bearer token, or null for the unauthenticated sign-in calls. */
  token: () => string | null;
  /** Called on a 401 to an authenticated call: the token expired or was revoked. */
  onUnauthorized: (p: Problem) => void;
}

export const API = '/api/v1';

/** Turns any failed response into a Problem; a body that is not the contract's error shape is never shown raw. */
export async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = ErrorBody.safeParse(json);
  if (parsed.success) {
    const retryAfterMs = parsed.data.error.retryAfterMs ?? retryAfterHeader(res);
    return problem(parsed.data.error.code, parsed.data.error.message, { retryAfterMs });
  }
  const code: ErrorCode | 'protocol' =
    res.status === 429 ? 'rate_limited' : res.status === 503 ? 'unavailable' : res.status >= 500 ? 'internal' : res.status === 404 ? 'not_found' : 'protocol';
  return problem(code, `The server answered ${res.status} ${res.statusText}`.trim(), { retryAfterMs: retryAfterHeader(res) });
}

function retryAfterHeader(res: Response): number | undefined {
  const value = res.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

/** A small JSON client for `/api/v1`: bearer auth, zod-validated answers, readable errors. */
export class Http {
  constructor(private readonly options: HttpOptions) {}

  async request<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    schema: S,
    body?: unknown,
    init: { auth?: boolean; signal?: AbortSignal } = {},
  ): Promise<z.infer<S>> {
    const auth = init.auth ?? true;
    const token = auth ? this.options.token() : null;
    let res: Response;
    try {
      res = await fetch(`${API}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(init.signal ? { signal: init.signal } : {}),
        // Never send cookies: the API authenticates with the bearer token only.
        credentials: 'omit',
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiError(0, problem('network', undefined));
    }
    if (!res.ok) {
      const p = await problemOf(res);
      if (res.status === 401 && auth) this.options.onUnauthorized(p);
      throw new ApiError(res.status, p);
    }
    // A body that is not JSON fails the schema below and becomes a typed `protocol` error.
    const json: unknown = await res.json().catch(() => undefined);
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ApiError(res.status, problem('protocol', `The server's answer to ${method} ${path} did not match the API contract.`));
    return parsed.data;
  }
}

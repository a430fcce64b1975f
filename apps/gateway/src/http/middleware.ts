import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError, isNetraError, NetraError, NotFoundError, UnauthorizedError, ValidationError } from '@netra/contracts';
import { addContext, errorFields, logger, metrics, requestTraceId, withContext } from '@netra/observability';
import { bearerToken, type Principal, type TokenVerifier } from '../auth/tokens.js';
import type { AuthAttempts } from '../security/auth-attempts.js';
import { securityEvent } from '../security/audit.js';
import type { AuthUser, UserDirectory } from '../services/users.js';
import { HTTP_STATUS, toNetraError } from './errors.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const userOf = new WeakMap<Request, AuthUser>();

/** The authenticated caller of a request behind `authenticate`. */
export function currentUser(req: Request): AuthUser {
  const user = userOf.get(req);
  if (!user) throw new UnauthorizedError();
  return user;
}

/** Gives every request an id (the caller's X-Request-Id when sane) and a logging context; records its duration. */
export function requestContext(req: Request, res: Response, next: NextFunction): void {
  const header = req.get('x-request-id');
  const requestId = header && REQUEST_ID.test(header) ? header : randomUUID();
  res.setHeader('x-request-id', requestId);
  const started = performance.now();
  res.on('finish', () => {
    // Route templates, never raw paths, so label values stay bounded.
    const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
    metrics.httpRequestDuration.observe(
      { method: req.method, route, status: String(res.statusCode) },
      (performance.now() - started) / 1000,
    );
  });
  // The trace id every log line of the request carries (the HTTP span's when tracing is on).
  withContext({ requestId, traceId: requestTraceId(req.get('traceparent')) }, () => next());
}

/**
 * Requires a valid bearer token (never from the query string) and resolves the caller's internal id.
 * Failures are audited and counted per client address (`attempts`), and an address past its failure budget is
 * refused before its token is even looked at.
 */
export function authenticate(verifier: TokenVerifier, users: UserDirectory, attempts: AuthAttempts) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const address = req.ip ?? 'unknown';
    await attempts.before(address);
    let principal: Principal;
    try {
      const token = bearerToken(req.get('authorization'));
      if (!token) throw new UnauthorizedError('Missing Authorization: Bearer token');
      principal = await verifier.verify(token);
    } catch (error) {
      if (error instanceof UnauthorizedError) await attempts.failed(address, error.message, 'http');
      throw error;
    }
    const id = await users.resolve(principal.subject);
    userOf.set(req, { id, subject: principal.subject, roles: principal.roles });
    addContext({ userId: id });
    next();
  };
}

/**
 * Requires a role claim (mounted after `authenticate`); a refusal is audited as `forbidden`. What an admin then
 * changes is audited by the handler that changes it (`auditAdminAction`), with the action's own name and ids.
 */
export function requireRole(role: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const user = currentUser(req);
    if (!user.roles.includes(role)) {
      securityEvent('forbidden', { userId: user.id, subject: user.subject, role, method: req.method, path: `${req.baseUrl}${req.path}` });
      throw new ForbiddenError(`Requires the ${role} role`);
    }
    next();
  };
}

export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(new NotFoundError(`Route ${req.method} ${req.path}`));
}

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Maps every error to `{ error: { code, message, details? } }` with its status; unknown errors are logged as bugs. */
export function errorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(error);
    return;
  }
  let netra: NetraError;
  const parserError = error as BodyParserError;
  if (isNetraError(error)) {
    netra = error;
  } else if (parserError?.type === 'entity.parse.failed') {
    netra = new ValidationError('Body is not valid JSON');
  } else if (parserError?.type === 'entity.too.large') {
    netra = new NetraError('payload_too_large', 'Body is too large');
  } else if (parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported') {
    netra = new NetraError('unsupported_media_type', 'Unsupported body encoding');
  } else if (error instanceof URIError) {
    // The router could not decode a path parameter (`%ED%A0%80`, a lone `%`): the client's mistake, not ours.
    netra = new ValidationError('The URL is not valid percent-encoded UTF-8');
  } else {
    const mapped = toNetraError(error);
    netra = mapped.error;
    logger[mapped.unexpected ? 'error' : 'warn'](mapped.unexpected ? 'unhandled error' : 'dependency unavailable', errorFields(error));
  }
  if (netra.code === 'internal' && isNetraError(error)) logger.error('internal error', errorFields(error));
  const status = HTTP_STATUS[netra.code];
  if (netra.retryAfterMs !== undefined) res.setHeader('retry-after', String(Math.max(1, Math.ceil(netra.retryAfterMs / 1000))));
  res.status(status).json(netra.toBody());
}

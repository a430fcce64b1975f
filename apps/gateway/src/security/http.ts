import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { currentUser } from '../http/middleware.js';
import { addressKey } from './client-address.js';
import type { Limiter } from './rate-limits.js';

/** A Host header we are willing to repeat inside the CSP: a hostname or IP literal and an optional port. */
const SAFE_HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** `connect-src`: this origin, and its WebSocket endpoint spelled out for browsers whose `'self'` omits ws:/wss:. */
function connectSources(req: IncomingMessage): string {
  const host = req.headers.host;
  return host !== undefined && SAFE_HOST.test(host) ? `'self' ws://${host} wss://${host}` : "'self'";
}

/**
 * The Content-Security-Policy of the web client (and of every other response: JSON is not rendered, so a
 * strict policy costs nothing there). The client is built without inline script or style and loads nothing
 * from elsewhere; images may be `data:`/`blob:` (charts, exports). The e2e tests run the real app under the
 * header this returns and fail on any violation.
 */
export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'"],
  'connect-src': [connectSources],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * helmet's headers with our CSP, and HSTS only on requests that arrived over TLS (directly, or per
 * `X-Forwarded-Proto` from a trusted proxy — `req.secure` under TRUST_PROXY): over plain HTTP the header means
 * nothing to browsers, and in development it would pin `localhost` to HTTPS.
 */
export function securityHeaders(options: { hstsMaxAgeSeconds: number }): RequestHandler[] {
  const headers = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    strictTransportSecurity: false,
    xFrameOptions: { action: 'deny' },
  });
  const hsts = (req: Request, res: Response, next: NextFunction): void => {
    if (req.secure && options.hstsMaxAgeSeconds > 0) res.setHeader('strict-transport-security', `max-age=${options.hstsMaxAgeSeconds}`);
    next();
  };
  return [(req, res, next) => headers(req as IncomingMessage, res as ServerResponse, next), hsts];
}

/**
 * The same policy with inline *styles* allowed (scripts stay `'self'` only), for third-party operator pages that
 * set `style` attributes and `<style>` blocks: Bull Board and Swagger UI. Their Google Fonts link stays blocked
 * (no third-party requests from an admin page); they fall back to system fonts.
 */
export function inlineStylesAllowed(): RequestHandler {
  const csp = helmet.contentSecurityPolicy({ useDefaults: false, directives: { ...CSP_DIRECTIVES, 'style-src': ["'self'", "'unsafe-inline'"] } });
  return (req, res, next) => csp(req, res, next);
}

/**
 * CORS for `/api/v1`: only the origins in CORS_ORIGINS get `Access-Control-Allow-Origin` (same-origin pages need
 * none). No credentials mode: the API authenticates with a bearer header, never cookies, so a foreign page
 * cannot ride a user's session (no CSRF surface). Preflights are answered here, before auth and limits.
 */
export function corsPolicy(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'content-encoding', 'idempotency-key', 'last-event-id', 'x-request-id'],
    exposedHeaders: ['retry-after', 'x-request-id'],
    credentials: false,
    maxAge: 600,
  });
}

/** Takes a point per request from the client address's budget (the address as TRUST_PROXY defines it). */
export function limitByAddress(limiter: Limiter): RequestHandler {
  return async (req, _res, next) => {
    await limiter.consume(addressKey(req.ip ?? 'unknown'), { address: req.ip, method: req.method, path: req.path });
    next();
  };
}

/** Takes a point per request from the caller's budget; mounted after `authenticate`. */
export function limitByUser(limiter: Limiter): RequestHandler {
  return async (req, _res, next) => {
    const user = currentUser(req);
    await limiter.consume(user.id, { userId: user.id, method: req.method, path: req.path });
    next();
  };
}

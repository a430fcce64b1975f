import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { Redis, RedisNames } from '@netra/bus';
import { AuthAttempts } from './auth-attempts.js';
import { clientAddress, compileTrustProxy, type TrustProxy } from './client-address.js';
import { corsPolicy, inlineStylesAllowed, limitByAddress, limitByUser, securityHeaders } from './http.js';
import { RateLimits, type RateLimitSettings } from './rate-limits.js';

export { securityEvent, type SecurityEventKind } from './audit.js';
export { AuthAttempts, type Transport } from './auth-attempts.js';
export { addressKey, clientAddress, compileTrustProxy, type TrustProxy } from './client-address.js';
export { CSP_DIRECTIVES } from './http.js';
export { Limiter, RateLimits, type LimiterName } from './rate-limits.js';

export interface SecuritySettings extends RateLimitSettings {
  TRUST_PROXY: false | number | string[];
  CORS_ORIGINS: string[];
  HSTS_MAX_AGE_SECONDS: number;
}

/**
 * The gateway's defences in one place, built once from the configuration: who the client is (TRUST_PROXY),
 * the Redis-backed rate limits, the failed-auth budget, and the HTTP headers/CORS/limit middlewares.
 */
export class Security {
  readonly trustProxy: TrustProxy;
  readonly limits: RateLimits;
  readonly authAttempts: AuthAttempts;
  /** helmet (CSP, no sniffing, no framing, …) and HSTS on TLS requests; for every response. */
  readonly headers: RequestHandler[];
  /** CORS allowlist (CORS_ORIGINS) for the API. */
  readonly cors: RequestHandler;
  /** RATE_LIMIT_IP_REQUESTS, before authentication. */
  readonly limitByAddress: RequestHandler;
  /** RATE_LIMIT_USER_REQUESTS, after authentication. */
  readonly limitByUser: RequestHandler;
  /** Replaces the CSP with one that allows inline styles (not scripts), for Bull Board and Swagger UI. */
  readonly inlineStylesAllowed: RequestHandler;

  constructor(settings: SecuritySettings, redis: Redis, names: RedisNames) {
    this.trustProxy = compileTrustProxy(settings.TRUST_PROXY);
    this.limits = new RateLimits(settings, redis, names);
    this.authAttempts = new AuthAttempts(this.limits.ipAuthFailures);
    this.headers = securityHeaders({ hstsMaxAgeSeconds: settings.HSTS_MAX_AGE_SECONDS });
    this.cors = corsPolicy(settings.CORS_ORIGINS);
    this.limitByAddress = limitByAddress(this.limits.ipRequests);
    this.limitByUser = limitByUser(this.limits.userRequests);
    this.inlineStylesAllowed = inlineStylesAllowed();
  }

  /** The client address of a request that never reaches express (WebSocket upgrades). */
  clientAddress(req: IncomingMessage): string {
    return clientAddress(req, this.trustProxy);
  }
}

import { securityEvent } from './audit.js';
import { addressKey } from './client-address.js';
import type { Limiter } from './rate-limits.js';

export type Transport = 'http' | 'ws';

/**
 * Failed authentications per client address: every failure is audited and costs a point; an address out of
 * points gets `rate_limited` on every attempt — good credentials included, so a guesser learns nothing —
 * until its window ends. Online guessing is thereby held to RATE_LIMIT_IP_AUTH_FAILURES per window.
 */
export class AuthAttempts {
  constructor(private readonly limiter: Limiter) {}

  /** Before credentials are looked at: refuses an address that is past its failure budget. */
  async before(address: string): Promise<void> {
    await this.limiter.assertAvailable(addressKey(address));
  }

  /** After credentials were refused (missing, malformed, expired, forged, a used ticket, …). */
  async failed(address: string, reason: string, transport: Transport, kind: 'auth_failed' | 'token_in_query' = 'auth_failed'): Promise<void> {
    securityEvent(kind, { address, transport, reason });
    if (await this.limiter.penalize(addressKey(address))) {
      securityEvent('auth_blocked', { address, transport, limit: this.limiter.limit });
    }
  }
}

import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Redis, RedisNames } from '@netra/bus';
import type { AuthUser } from '../services/users.js';

const SessionValue = z.object({ id: z.uuid(), subject: z.string(), roles: z.array(z.string()) });

/** The cookie that carries an admin browser session; scoped to `/admin` (Bull Board), never sent to the API. */
export const ADMIN_COOKIE = 'netra_admin';

/**
 * Browser sessions for the admin pages (Bull Board). A browser cannot send a bearer header when it navigates,
 * so an admin exchanges a bearer token for a short-lived cookie (`POST /api/v1/admin/session`). The cookie value
 * is 256 random bits; Redis holds only its sha256 with the admin's identity and expires it after `ttlSeconds`,
 * so a session can be revoked (logout) and never outlives its TTL, on any gateway.
 */
export class AdminSessions {
  constructor(
    private readonly redis: Redis,
    private readonly names: RedisNames,
    readonly ttlSeconds: number,
  ) {}

  async issue(user: AuthUser): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const value = JSON.stringify({ id: user.id, subject: user.subject, roles: user.roles });
    await this.redis.set(this.names.adminSession(hash(token)), value, 'EX', this.ttlSeconds);
    return { token, expiresAt: new Date(Date.now() + this.ttlSeconds * 1000) };
  }

  /** The admin the cookie belongs to, or null when it is unknown, expired or revoked. */
  async verify(token: string): Promise<AuthUser | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const raw = await this.redis.get(this.names.adminSession(hash(token)));
    if (raw === null) return null;
    const parsed = SessionValue.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  async revoke(token: string): Promise<void> {
    if (/^[A-Za-z0-9_-]{43}$/.test(token)) await this.redis.del(this.names.adminSession(hash(token)));
  }
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** One cookie's value from a `Cookie` header (no cookie-parser dependency for one cookie). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

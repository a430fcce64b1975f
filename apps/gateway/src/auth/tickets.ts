import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { UnauthorizedError } from '@netra/contracts';
import type { Redis, RedisNames } from '@netra/bus';
import type { AuthUser } from '../services/users.js';

const TicketValue = z.object({ id: z.uuid(), subject: z.string(), roles: z.array(z.string()) });

export interface IssuedTicket {
  ticket: string;
  expiresAt: Date;
}

/**
 * Single-use WebSocket tickets for browsers, which cannot set headers on a WebSocket: 256 random bits, valid for
 * `ttlMs` (≤ 30 s), bound to the user who asked, stored only as a sha256 hash, consumed atomically (GETDEL) so
 * a ticket works once even when two gateways race for it.
 */
export class TicketStore {
  constructor(
    private readonly redis: Redis,
    private readonly names: RedisNames,
    private readonly ttlMs = 30_000,
  ) {}

  async issue(user: AuthUser): Promise<IssuedTicket> {
    const ticket = randomBytes(32).toString('base64url');
    const value = JSON.stringify({ id: user.id, subject: user.subject, roles: user.roles });
    await this.redis.set(this.names.wsTicket(hash(ticket)), value, 'PX', this.ttlMs);
    return { ticket, expiresAt: new Date(Date.now() + this.ttlMs) };
  }

  /** The user the ticket was issued to; throws unauthorized when it is unknown, used or expired. */
  async consume(ticket: string): Promise<AuthUser> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(ticket)) throw new UnauthorizedError('Invalid ticket');
    const raw = await this.redis.getdel(this.names.wsTicket(hash(ticket)));
    if (raw === null) throw new UnauthorizedError('Ticket is invalid, already used or expired');
    const parsed = TicketValue.safeParse(JSON.parse(raw));
    if (!parsed.success) throw new UnauthorizedError('Invalid ticket');
    return parsed.data;
  }
}

function hash(ticket: string): string {
  return createHash('sha256').update(ticket).digest('hex');
}

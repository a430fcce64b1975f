import type { Db } from '@netra/db';

/** An authenticated caller with our internal id. */
export interface AuthUser {
  /** Internal UUID (never derived from the subject). */
  id: string;
  /** The token's `sub`. */
  subject: string;
  roles: string[];
}

/**
 * Maps token subjects to internal user ids, creating the user on first sight. Cached in a bounded map so the
 * hot path (every request and frame) does not touch the database.
 */
export class UserDirectory {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly maxCached = 50_000,
  ) {}

  async resolve(subject: string): Promise<string> {
    const cached = this.cache.get(subject);
    if (cached) return cached;
    const rows = await this.db.$queryRaw<{ id: string }[]>`
      INSERT INTO users (subject) VALUES (${subject})
      ON CONFLICT (subject) DO UPDATE SET subject = EXCLUDED.subject
      RETURNING id`;
    const id = rows[0]?.id;
    if (!id) throw new Error('user upsert returned no row');
    if (this.cache.size >= this.maxCached) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(subject, id);
    return id;
  }
}

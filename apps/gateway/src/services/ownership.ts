import { notOwnedError, type CrossTenantAttempt, type NotFoundError } from '@netra/contracts';
import type { Db } from '@netra/db';
import { securityEvent } from '../security/audit.js';

/** Records an attempt on another user's resource as a `cross_tenant` security event (also handed to the watch services). */
export function auditCrossTenant(attempt: CrossTenantAttempt): void {
  securityEvent('cross_tenant', { ...attempt });
}

/**
 * The `not_found` for a thread or run the caller does not own. The caller gets the same 404 whether the id
 * exists or not (ids don't leak); when it does exist and belongs to someone else, that is a cross-tenant
 * attempt and is audited. The extra lookup happens only on this failure path.
 */
export async function notOwned(db: Db, resource: 'thread' | 'run', id: string, userId: string): Promise<NotFoundError> {
  const owner =
    resource === 'thread'
      ? await db.thread.findUnique({ where: { id }, select: { userId: true } })
      : await db.run.findUnique({ where: { id }, select: { userId: true } });
  return notOwnedError(resource === 'thread' ? 'Thread' : 'Run', { userId, resource, resourceId: id }, owner, auditCrossTenant);
}

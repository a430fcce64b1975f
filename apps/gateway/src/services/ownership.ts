import { NotFoundError } from '@netra/contracts';
import type { Db } from '@netra/db';
import { securityEvent } from '../security/audit.js';

export type OwnedResource = 'thread' | 'run';

/**
 * The `not_found` for a thread or run the caller does not own. The caller gets the same 404 whether the id
 * exists or not (ids don't leak); when it does exist and belongs to someone else, that is a cross-tenant
 * attempt and is audited. The extra lookup happens only on this failure path.
 */
export async function notOwned(db: Db, resource: OwnedResource, id: string, userId: string): Promise<NotFoundError> {
  const owner =
    resource === 'thread'
      ? await db.thread.findUnique({ where: { id }, select: { userId: true } })
      : await db.run.findUnique({ where: { id }, select: { userId: true } });
  if (owner && owner.userId !== userId) securityEvent('cross_tenant', { userId, resource, resourceId: id, ownerId: owner.userId });
  return new NotFoundError(resource === 'thread' ? 'Thread' : 'Run');
}

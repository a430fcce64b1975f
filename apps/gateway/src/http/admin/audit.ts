import { logger, metrics } from '@netra/observability';
import type { AuthUser } from '../../services/users.js';

/**
 * The audit trail of operator actions: one `warn` line tagged `security` per action (who, what, on which ids),
 * and the counters `netra_admin_actions_total{action}` / `netra_security_events_total{kind="admin_action"}`.
 * `action` is a fixed word (bounded label); ids go to the log line only.
 */
export function auditAdminAction(actor: AuthUser, action: string, details: Record<string, unknown> = {}): void {
  metrics.adminActions.inc({ action });
  metrics.securityEvents.inc({ kind: 'admin_action' });
  logger.warn('admin action', { tag: 'security', action, actor: actor.subject, actorId: actor.id, ...details });
}

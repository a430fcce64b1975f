import { metrics } from '@netra/observability';
import { securityEvent } from '../../security/audit.js';
import type { AuthUser } from '../../services/users.js';

/**
 * The audit trail of operator actions: one `admin action` line per action, a security event (`security: true`,
 * `tag: "security"`, `kind: "admin_action"`: who, what, on which ids), and the counters
 * `netra_admin_actions_total{action}` / `netra_security_events_total{kind="admin_action"}`.
 * `action` is a fixed word (bounded label); ids go to the log line only.
 */
export function auditAdminAction(actor: AuthUser, action: string, details: Record<string, unknown> = {}): void {
  metrics.adminActions.inc({ action });
  securityEvent('admin_action', { action, actor: actor.subject, actorId: actor.id, ...details }, 'admin action');
}

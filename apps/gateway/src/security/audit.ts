import { logger, metrics } from '@netra/observability';

/** The kinds of security event. A fixed list: it is also the `kind` label of `netra_security_events_total`. */
export type SecurityEventKind =
  | 'auth_failed'
  | 'auth_blocked'
  | 'token_in_query'
  | 'origin_rejected'
  | 'rate_limited'
  | 'forbidden'
  | 'cross_tenant'
  | 'admin_action';

const log = logger.child({ component: 'security' });

/**
 * Records a security event: one structured log line tagged `security` (so a SIEM can filter on
 * `security: true` or `tag: "security"`) and one increment of `netra_security_events_total{kind}`.
 * Fields must describe the event (address, user id, route, reason), never carry a credential: the logger
 * redacts token-like keys and `Bearer …` anyway, but nothing here should rely on that.
 */
export function securityEvent(kind: SecurityEventKind, fields: Record<string, unknown> = {}, message = `security: ${kind}`): void {
  metrics.securityEvents.inc({ kind });
  // Admin actions are the normal use of a privilege, the rest are refusals worth a look.
  const level = kind === 'admin_action' ? 'info' : 'warn';
  log.log(level, message, { security: true, tag: 'security', kind, ...fields });
}

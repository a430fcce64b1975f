import { AlertKind, type Alert } from '@netra/contracts';
import { querySql, sql, type Db } from '@netra/db';
import type { NotificationPublisher } from '@netra/bus';
import { errorFields, logger, metrics } from '@netra/observability';
import type { WebhookDispatcher } from '@netra/webhooks';

export interface AlertDraft {
  kind: AlertKind;
  budgetId: string | null;
  /** Names the occurrence (e.g. budget, period, threshold): raising the same key again does nothing. */
  dedupeKey: string;
  message: string;
  data: Record<string, unknown>;
}

type AlertRow = { id: string; kind: string; budget_id: string | null; message: string; data: Record<string, unknown>; created_at: Date };

function toAlert(row: AlertRow): Alert {
  return { id: row.id, kind: AlertKind.parse(row.kind), budgetId: row.budget_id, message: row.message, data: row.data, createdAt: row.created_at.toISOString() };
}

/** The alert history (`GET /api/v1/alerts`). */
export class AlertStore {
  constructor(private readonly db: Db) {}

  /** Newest first. */
  async list(userId: string, limit: number): Promise<Alert[]> {
    const rows = await this.db.alert.findMany({ where: { userId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit });
    return rows.map((r) => toAlert({ id: r.id, kind: r.kind, budget_id: r.budgetId, message: r.message, data: r.data as Record<string, unknown>, created_at: r.createdAt }));
  }
}

/** An alert older than this that nobody notified was left by a raiser that crashed (not one still at work). */
export const UNNOTIFIED_AFTER_SECONDS = 30;

/**
 * Raises alerts exactly once: the insert is `ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING`, so of any
 * number of workers evaluating the same budget at once (re-sent batches, the timer) only the one whose insert
 * wrote the row notifies the user's sockets and queues the webhooks, then marks it `notified_at`. A raiser that
 * crashed in between leaves `notified_at` NULL: the next evaluation that meets the alert claims it (an atomic
 * UPDATE, so one process) and notifies. The webhooks' job id is the alert's id, so that second notification
 * cannot queue a delivery twice.
 */
export class AlertRaiser {
  private readonly log = logger.child({ component: 'alerts' });

  constructor(
    private readonly db: Db,
    private readonly notifications: NotificationPublisher,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  /** The alert when this call raised (or finished raising) it; null when it had been raised before. */
  async raise(userId: string, draft: AlertDraft): Promise<Alert | null> {
    const [row] = await querySql<AlertRow>(
      this.db,
      sql('alert_raise')`
        INSERT INTO alerts (user_id, budget_id, kind, dedupe_key, message, data)
        VALUES (${userId}::uuid, ${draft.budgetId}::uuid, ${draft.kind}, ${draft.dedupeKey}, ${draft.message}, ${JSON.stringify(draft.data)}::jsonb)
        ON CONFLICT (user_id, dedupe_key) DO NOTHING
        RETURNING id, kind, budget_id, message, data, created_at`,
    );
    if (row) {
      const alert = toAlert(row);
      this.log.info('alert raised', { userId, alertId: alert.id, kind: alert.kind, budgetId: alert.budgetId });
      metrics.alertsRaised.inc({ kind: alert.kind });
      await this.notify(userId, alert);
      await this.db.alert.update({ where: { id: alert.id }, data: { notifiedAt: new Date() } });
      return alert;
    }
    const [orphan] = await querySql<AlertRow>(
      this.db,
      sql('alert_claim_unnotified')`
        UPDATE alerts SET notified_at = now()
         WHERE user_id = ${userId}::uuid AND dedupe_key = ${draft.dedupeKey} AND notified_at IS NULL
           AND created_at < now() - make_interval(secs => ${UNNOTIFIED_AFTER_SECONDS})
        RETURNING id, kind, budget_id, message, data, created_at`,
    );
    if (!orphan) return null;
    const alert = toAlert(orphan);
    this.log.warn('alert was never notified (its raiser stopped); notifying now', { userId, alertId: alert.id, kind: alert.kind });
    await this.notify(userId, alert);
    return alert;
  }

  private async notify(userId: string, alert: Alert): Promise<void> {
    // The alert is stored: a lost push is found in GET /alerts.
    await this.notifications.publish(userId, alert).catch((error: unknown) => this.log.warn('could not push the notification', { alertId: alert.id, ...errorFields(error) }));
    await this.webhooks.dispatch(userId, { type: alert.kind, id: alert.id, data: { alertId: alert.id, budgetId: alert.budgetId, message: alert.message, ...alert.data }, createdAt: new Date(alert.createdAt) });
  }
}

import { tools, type DayMetrics } from '@netra/agents';
import type { Alert } from '@netra/contracts';
import { querySql, sql, type Db } from '@netra/db';
import { LatencyHistogram, readHistogram } from '@netra/usage';
import type { AlertRaiser } from './alerts.js';

const DAY_MS = 86_400_000;
/** Days of history before a closed day that its trend is measured on (the detector looks at 7 around a day). */
export const ANOMALY_HISTORY_DAYS = 14;
/** A workload needs rollups on this many of those days to have a trend at all (a new app is not an anomaly). */
export const ANOMALY_MIN_HISTORY_DAYS = 7;
/** Closed days checked each time (yesterday and the day before: a late batch for yesterday is still seen). */
export const ANOMALY_CLOSED_DAYS = 2;

const LABEL: Record<tools.AnomalyMetric, string> = { requests: 'requests', costUsd: 'cost', errorRate: 'error rate', p95LatencyMs: 'p95 latency' };

function show(metric: tools.AnomalyMetric, value: number): string {
  if (metric === 'costUsd') return `$${value.toFixed(2)}`;
  if (metric === 'errorRate') return `${(value * 100).toFixed(1)} %`;
  if (metric === 'p95LatencyMs') return `${Math.round(value)} ms`;
  return String(Math.round(value));
}

type RollupRow = { day: string; app: string; model: string; requests: number; errors: number; cost: number; latency_hist: unknown };

/**
 * Anomaly alerts on closed days: for each app × model, the day's requests, cost, error rate and p95 latency (from
 * the daily rollups) against the trend of the days before it, with the agents' own detector (robust z-score over
 * the median of the neighbouring days, @netra/agents tools/anomalies.ts). Each (workload, day, metric) raises
 * `anomaly.detected` once.
 */
export class AnomalyWatcher {
  constructor(
    private readonly db: Db,
    private readonly alerts: AlertRaiser,
  ) {}

  async evaluateUser(userId: string, now = new Date()): Promise<Alert[]> {
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const from = new Date(today - (ANOMALY_CLOSED_DAYS + ANOMALY_HISTORY_DAYS) * DAY_MS).toISOString().slice(0, 10);
    const to = new Date(today).toISOString().slice(0, 10);
    const rows = await querySql<RollupRow>(
      this.db,
      sql('anomaly_rollups')`
        SELECT day::text AS day, app, model, requests, errors, cost_usd::float8 AS cost, latency_hist
          FROM usage_rollups
         WHERE user_id = ${userId}::uuid AND day >= ${from}::date AND day < ${to}::date
         ORDER BY app, model, day`,
    );
    const byWorkload = new Map<string, RollupRow[]>();
    for (const row of rows) {
      const key = JSON.stringify([row.app, row.model]);
      byWorkload.set(key, [...(byWorkload.get(key) ?? []), row]);
    }
    const raised: Alert[] = [];
    for (const workloadRows of byWorkload.values()) {
      const { app, model } = workloadRows[0]!;
      const byDay = new Map(workloadRows.map((r) => [r.day, r]));
      for (let back = ANOMALY_CLOSED_DAYS; back >= 1; back -= 1) {
        const closed = today - back * DAY_MS;
        const closedDay = new Date(closed).toISOString().slice(0, 10);
        if (!byDay.has(closedDay)) continue;
        const series: DayMetrics[] = [];
        let withData = 0;
        for (let d = closed - ANOMALY_HISTORY_DAYS * DAY_MS; d <= closed; d += DAY_MS) {
          const day = new Date(d).toISOString().slice(0, 10);
          const row = byDay.get(day);
          if (row && d < closed) withData += 1;
          series.push(row ? metricsOf(row) : { day, requests: 0, costUsd: 0, errorRate: 0, p95LatencyMs: 0 });
        }
        if (withData < ANOMALY_MIN_HISTORY_DAYS) continue;
        // The closed day is the last of the series: its neighbours are the days before it.
        for (const anomaly of tools.detectAnomalies(series).filter((a) => a.day === closedDay)) {
          const ratio = anomaly.expected > 0 ? anomaly.value / anomaly.expected : null;
          const alert = await this.alerts.raise(userId, {
            kind: 'anomaly.detected',
            budgetId: null,
            dedupeKey: `anomaly:${closedDay}:${app}:${model}:${anomaly.metric}`,
            message: `${app} / ${model}: ${LABEL[anomaly.metric]} ${show(anomaly.metric, anomaly.value)} on ${closedDay}, ${ratio === null ? 'up from nothing' : `${ratio.toFixed(1)}× the trend`} (${show(anomaly.metric, anomaly.expected)}), ${anomaly.score} deviations from it`,
            data: { app, model, day: closedDay, metric: anomaly.metric, value: anomaly.value, expected: anomaly.expected, score: anomaly.score, ratio },
          });
          if (alert) raised.push(alert);
        }
      }
    }
    return raised;
  }

  /** Every user with usage on the closed days (the daily timer). */
  async evaluateAll(now = new Date()): Promise<number> {
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const from = new Date(today - ANOMALY_CLOSED_DAYS * DAY_MS).toISOString().slice(0, 10);
    const to = new Date(today).toISOString().slice(0, 10);
    const users = await querySql<{ user_id: string }>(
      this.db,
      sql('anomaly_users')`SELECT DISTINCT user_id FROM usage_rollups WHERE day >= ${from}::date AND day < ${to}::date`,
    );
    let raised = 0;
    for (const { user_id } of users) raised += (await this.evaluateUser(user_id, now)).length;
    return raised;
  }
}

function metricsOf(row: RollupRow): DayMetrics {
  const hist = new LatencyHistogram();
  hist.addStored(readHistogram(row.latency_hist));
  return { day: row.day, requests: row.requests, costUsd: row.cost, errorRate: row.requests > 0 ? row.errors / row.requests : 0, p95LatencyMs: hist.quantile(0.95) };
}

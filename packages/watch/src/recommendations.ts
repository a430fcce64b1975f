import { createHash } from 'node:crypto';
import {
  ConflictError,
  NotFoundError,
  Report,
  ValidationError,
  type AdoptRecommendationBody,
  type OutcomePeriod,
  type RecommendationOutcome,
  type StoredRecommendation,
} from '@netra/contracts';
import { querySql, sql, type Db, type Prisma, type RecommendationRow } from '@netra/db';
import { LatencyHistogram, readHistogram } from '@netra/usage';
import type { CrossTenantHook } from '@netra/webhooks';
import type { AlertRaiser } from './alerts.js';

const DAY_MS = 86_400_000;
/** Tolerances before an adopted change counts as having made things worse. */
export const REGRESSION = { costPerRequest: 1.05, p95: 1.2, errorRatePoints: 0.02 } as const;

/** The stable id of a report's recommendation: a UUID (v8 layout) from the run and the position. */
export function recommendationId(runId: string, position: number): string {
  const h = createHash('sha256').update(`${runId}:${position}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}


/**
 * The recommendations of a completed run's report, with stable ids (from the run and the position), so writing
 * them again is a no-op. They are committed together with the run's completion: no extra job or round trip per run.
 */
export function recommendationRows(runId: string, report: Report): RecommendationRow[] {
  const rollback = report.actions.find((a) => a.kind === 'rollback')?.detail ?? report.actions.find((a) => a.rollback)?.rollback ?? null;
  return report.recommendations.map((r, position) => ({
    id: recommendationId(runId, position),
    position,
    title: r.title,
    strategy: r.strategy,
    app: r.app ?? null,
    model: r.model ?? null,
    estimatedMonthlySavingsUsd: r.estimatedMonthlySavingsUsd,
    windowFrom: report.window.from,
    windowTo: report.window.to,
    rollback,
  }));
}

type Row = Prisma.StoredRecommendationGetPayload<object>;
type Scope = { apps: string[]; models: string[] };

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
function midnight(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function scopeOf(row: Row): Scope {
  const stored = row.adoptedScope as Partial<Scope> | null;
  return { apps: stored?.apps ?? (row.app ? [row.app] : []), models: stored?.models ?? (row.model ? [row.model] : []) };
}

function present(row: Row): StoredRecommendation {
  return {
    id: row.id,
    runId: row.runId,
    position: row.position,
    title: row.title,
    strategy: row.strategy,
    app: row.app,
    model: row.model,
    estimatedMonthlySavingsUsd: row.estimatedMonthlySavingsUsd,
    window: { from: row.windowFrom.toISOString(), to: row.windowTo.toISOString() },
    createdAt: row.createdAt.toISOString(),
    adoptedAt: row.adoptedAt?.toISOString() ?? null,
    adoptedScope: row.adoptedAt ? scopeOf(row) : null,
  };
}

/**
 * Recommendations checked after the fact: kept from each completed report with a stable id, adopted by the user
 * ("this went live then, for this scope"), and measured from the daily rollups — the report window's days before
 * the adoption against the closed days after it — as cost per request, p95 latency and error rate, with the saving
 * normalised for volume. A change that made things worse raises `recommendation.regressed` with the rollback step.
 */
export class RecommendationTracker {
  constructor(
    private readonly db: Db,
    /** Raises `recommendation.regressed` (workers; the gateway only reads and adopts). */
    private readonly alerts?: AlertRaiser,
    /** Told when a user names another user's recommendation (audited by the gateway); they get a 404. */
    private readonly onCrossTenant?: CrossTenantHook,
  ) {}

  async list(userId: string): Promise<StoredRecommendation[]> {
    const rows = await this.db.storedRecommendation.findMany({ where: { userId }, orderBy: [{ createdAt: 'desc' }, { position: 'asc' }], take: 500 });
    return rows.map(present);
  }

  async adopt(userId: string, id: string, body: AdoptRecommendationBody, now = new Date()): Promise<StoredRecommendation> {
    const row = await this.owned(userId, id);
    if (row.adoptedAt) throw new ConflictError('The recommendation was adopted already', { adoptedAt: row.adoptedAt.toISOString() });
    const adoptedAt = body.adoptedAt ? new Date(body.adoptedAt) : now;
    if (adoptedAt.getTime() > now.getTime()) throw new ValidationError('Invalid body at adoptedAt: in the future', [{ path: ['adoptedAt'], code: 'custom', message: 'in the future' }]);
    const scope: Scope = { apps: body.apps ?? (row.app ? [row.app] : []), models: body.models ?? (row.model ? [row.model] : []) };
    const updated = await this.db.storedRecommendation.update({ where: { id }, data: { adoptedAt, adoptedScope: scope } });
    return present(updated);
  }

  async outcome(userId: string, id: string, now = new Date()): Promise<RecommendationOutcome> {
    const row = await this.owned(userId, id);
    if (!row.adoptedAt) throw new ConflictError('The recommendation has not been adopted (POST …/adopt first)');
    return this.measure(userId, row, now);
  }

  /** Every adopted recommendation of every user: raises the regression alerts (the sweep). */
  async checkAdopted(now = new Date()): Promise<number> {
    if (!this.alerts) return 0;
    const rows = await this.db.storedRecommendation.findMany({ where: { adoptedAt: { not: null } } });
    let raised = 0;
    for (const row of rows) {
      const outcome = await this.measure(row.userId, row, now);
      if (outcome.verdict !== 'worse') continue;
      const alert = await this.alerts.raise(row.userId, {
        kind: 'recommendation.regressed',
        budgetId: null,
        dedupeKey: `recommendation:${row.id}:regressed`,
        message: `"${row.title}" made things worse since ${outcome.adoptedAt.slice(0, 10)} (${outcome.regressions.join('; ')}). Roll back: ${outcome.rollback ?? 'revert the change'}`,
        data: { recommendationId: row.id, regressions: outcome.regressions, rollback: outcome.rollback, before: outcome.before, after: outcome.after },
      });
      if (alert) raised += 1;
    }
    return raised;
  }

  private async measure(userId: string, row: Row, now: Date): Promise<RecommendationOutcome> {
    const adopted = row.adoptedAt as Date;
    const scope = scopeOf(row);
    const adoptionDay = midnight(adopted.getTime());
    const beforeFrom = midnight(row.windowFrom.getTime());
    const beforeTo = Math.min(adoptionDay, midnight(row.windowTo.getTime() + DAY_MS - 1));
    const afterFrom = adoptionDay + DAY_MS;
    const afterTo = Math.max(afterFrom, midnight(now.getTime()));
    const before = await this.period(userId, scope, beforeFrom, Math.max(beforeFrom, beforeTo));
    const after = await this.period(userId, scope, afterFrom, afterTo);
    const regressions: string[] = [];
    let realized: number | null = null;
    let verdict: RecommendationOutcome['verdict'] = 'insufficient_data';
    if (before.costPerRequestUsd !== null && after.costPerRequestUsd !== null) {
      realized = (before.costPerRequestUsd - after.costPerRequestUsd) * after.requestsPerDay * 30;
      if (after.costPerRequestUsd > before.costPerRequestUsd * REGRESSION.costPerRequest) {
        regressions.push(`cost per request $${before.costPerRequestUsd.toFixed(5)} → $${after.costPerRequestUsd.toFixed(5)}`);
      }
      if (before.p95LatencyMs !== null && after.p95LatencyMs !== null && after.p95LatencyMs > before.p95LatencyMs * REGRESSION.p95) {
        regressions.push(`p95 ${Math.round(before.p95LatencyMs)} ms → ${Math.round(after.p95LatencyMs)} ms`);
      }
      if (before.errorRate !== null && after.errorRate !== null && after.errorRate > before.errorRate + REGRESSION.errorRatePoints) {
        regressions.push(`error rate ${(before.errorRate * 100).toFixed(1)} % → ${(after.errorRate * 100).toFixed(1)} %`);
      }
      verdict = regressions.length > 0 ? 'worse' : realized > 0 ? 'better' : 'unchanged';
    }
    const predicted = row.estimatedMonthlySavingsUsd;
    return {
      recommendationId: row.id,
      adoptedAt: adopted.toISOString(),
      scope,
      before,
      after,
      predictedMonthlySavingsUsd: predicted,
      realizedMonthlySavingsUsd: realized,
      realizedShare: realized !== null && predicted !== 0 ? realized / predicted : null,
      verdict,
      regressions,
      rollback: verdict === 'worse' ? (row.rollback ?? `Revert "${row.title}"`) : null,
    };
  }

  /** Closed days [fromMs, toMs) of the scope, from the rollups. */
  private async period(userId: string, scope: Scope, fromMs: number, toMs: number): Promise<OutcomePeriod> {
    const from = dayOf(fromMs);
    const to = dayOf(toMs);
    const apps = scope.apps.length > 0 ? scope.apps : null;
    const models = scope.models.length > 0 ? scope.models : null;
    const rows = await querySql<{ requests: number; errors: number; cost: number; latency_hist: unknown }>(
      this.db,
      sql('recommendation_period')`
        SELECT requests, errors, cost_usd::float8 AS cost, latency_hist
          FROM usage_rollups
         WHERE user_id = ${userId}::uuid AND day >= ${from}::date AND day < ${to}::date
           AND (${apps}::text[] IS NULL OR app = ANY(${apps}::text[]))
           AND (${models}::text[] IS NULL OR model = ANY(${models}::text[]))`,
    );
    const hist = new LatencyHistogram();
    let requests = 0;
    let errors = 0;
    let cost = 0;
    for (const r of rows) {
      requests += r.requests;
      errors += r.errors;
      cost += r.cost;
      hist.addStored(readHistogram(r.latency_hist));
    }
    const days = Math.max(0, Math.round((toMs - fromMs) / DAY_MS));
    return {
      from,
      to,
      days,
      requests,
      costUsd: cost,
      costPerRequestUsd: requests > 0 ? cost / requests : null,
      p95LatencyMs: requests > 0 ? hist.quantile(0.95) : null,
      errorRate: requests > 0 ? errors / requests : null,
      requestsPerDay: days > 0 ? requests / days : 0,
    };
  }

  private async owned(userId: string, id: string): Promise<Row> {
    const row = await this.db.storedRecommendation.findFirst({ where: { id, userId } });
    if (row) return row;
    const other = await this.db.storedRecommendation.findUnique({ where: { id }, select: { userId: true } });
    if (other) this.onCrossTenant?.({ resource: 'recommendation', resourceId: id, userId, ownerId: other.userId });
    throw new NotFoundError('Recommendation');
  }
}

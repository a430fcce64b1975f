import type { Alert } from '@netra/contracts';
import type { Db } from '@netra/db';
import type { AlertRaiser } from './alerts.js';
import { BUDGET_FIELDS, parseBudgetRow } from './budgets.js';
import { checkBudget, periodWindow } from './periods.js';
import { dailySpend } from './spend.js';

const usd = (n: number) => `$${n.toFixed(2)}`;
const pct = (n: number) => `${Math.round(n * 100)} %`;

/**
 * Evaluates budgets from the daily rollups: each threshold crossed raises `budget.threshold_crossed`, a forecast
 * over the amount `budget.forecast_exceeded` — each once per budget and period (the alert's dedupe key names both).
 */
export class BudgetEvaluator {
  constructor(
    private readonly db: Db,
    private readonly alerts: AlertRaiser,
  ) {}

  /** Every budget of the user; returns the alerts this call raised. */
  async evaluateUser(userId: string, now = new Date()): Promise<Alert[]> {
    const rows = await this.db.budget.findMany({ where: { userId }, select: BUDGET_FIELDS, orderBy: { createdAt: 'asc' } });
    const raised: Alert[] = [];
    for (const row of rows) {
      const budget = parseBudgetRow(row);
      const window = periodWindow(budget.period, now);
      const daily = await dailySpend(this.db, userId, budget.scope, window.startDay, window.endDay);
      const spentUsd = daily.reduce((sum, d) => sum + d.costUsd, 0);
      const check = checkBudget(budget.amountUsd, budget.thresholds, spentUsd, window.elapsed);
      const common = { budgetId: budget.id, budgetName: budget.name, amountUsd: budget.amountUsd, period: budget.period, periodStart: window.startDay, periodEnd: window.endDay, spentUsd, forecastUsd: check.forecastUsd };
      for (const threshold of check.crossed) {
        const alert = await this.alerts.raise(userId, {
          kind: 'budget.threshold_crossed',
          budgetId: budget.id,
          dedupeKey: `budget:${budget.id}:${window.startDay}:threshold:${threshold}`,
          message: `Budget "${budget.name}" reached ${pct(threshold)} of ${usd(budget.amountUsd)} this ${budget.period} (${usd(spentUsd)} spent since ${window.startDay})`,
          data: { ...common, threshold },
        });
        if (alert) raised.push(alert);
      }
      if (check.forecastBreach) {
        const alert = await this.alerts.raise(userId, {
          kind: 'budget.forecast_exceeded',
          budgetId: budget.id,
          dedupeKey: `budget:${budget.id}:${window.startDay}:forecast`,
          message: `Budget "${budget.name}": at this rate the ${budget.period} ends at ${usd(check.forecastUsd)}, ${pct(check.forecastUsd / budget.amountUsd)} of ${usd(budget.amountUsd)}`,
          data: { ...common, forecastRatio: check.forecastUsd / budget.amountUsd },
        });
        if (alert) raised.push(alert);
      }
    }
    return raised;
  }

  /** Every user's budgets (the timer). */
  async evaluateAll(now = new Date()): Promise<number> {
    const users = await this.db.budget.findMany({ distinct: ['userId'], select: { userId: true } });
    let raised = 0;
    for (const { userId } of users) raised += (await this.evaluateUser(userId, now)).length;
    return raised;
  }
}

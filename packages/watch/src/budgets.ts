import {
  BudgetPeriod,
  BudgetScope,
  NotFoundError,
  ValidationError,
  type Budget,
  type BudgetStatus,
  type CreateBudgetBody,
  type UpdateBudgetBody,
} from '@netra/contracts';
import type { Db, Prisma } from '@netra/db';
import type { CrossTenantHook } from '@netra/webhooks';
import { forecastSpend, periodWindow } from './periods.js';
import { dailySpend } from './spend.js';

const FIELDS = { id: true, name: true, amountUsd: true, period: true, scope: true, thresholds: true, createdAt: true } as const;
export type BudgetRow = Prisma.BudgetGetPayload<{ select: typeof FIELDS }>;
export const BUDGET_FIELDS = FIELDS;

export interface BudgetServiceOptions {
  /** USAGE_DIMENSIONS: the metadata keys that have rollups (a scope may only name these). */
  dimensions: readonly string[];
  /** Told when a user names another user's budget (audited by the gateway); they get a 404. */
  onCrossTenant?: CrossTenantHook;
}

/** A stored budget as the contract types it (the row's JSON and text columns were written from the same types). */
export function parseBudgetRow(row: BudgetRow): { id: string; name: string; amountUsd: number; period: BudgetPeriod; scope: BudgetScope; thresholds: number[]; createdAt: Date } {
  return { ...row, period: BudgetPeriod.parse(row.period), scope: BudgetScope.parse(row.scope) };
}

/** Where a budget stands at `now`. */
export async function budgetStatus(db: Db, userId: string, budget: { period: BudgetPeriod; scope: BudgetScope }, now: Date): Promise<BudgetStatus> {
  const window = periodWindow(budget.period, now);
  const daily = await dailySpend(db, userId, budget.scope, window.startDay, window.endDay);
  const spentUsd = daily.reduce((sum, d) => sum + d.costUsd, 0);
  return { periodStart: window.startDay, periodEnd: window.endDay, spentUsd, forecastUsd: forecastSpend(spentUsd, window.elapsed), daily };
}

/** The user's budgets (CRUD), each shown with its current status. Scoped to the owner like every resource. */
export class BudgetService {
  constructor(
    private readonly db: Db,
    private readonly options: BudgetServiceOptions,
  ) {}

  async create(userId: string, body: CreateBudgetBody): Promise<Budget> {
    this.checkScope(body.scope);
    const row = await this.db.budget.create({
      data: { userId, name: body.name, amountUsd: body.amountUsd, period: body.period, scope: body.scope, thresholds: body.thresholds },
      select: FIELDS,
    });
    return this.present(userId, row);
  }

  async list(userId: string): Promise<Budget[]> {
    const rows = await this.db.budget.findMany({ where: { userId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select: FIELDS });
    return Promise.all(rows.map((row) => this.present(userId, row)));
  }

  async get(userId: string, id: string): Promise<Budget> {
    return this.present(userId, await this.owned(userId, id));
  }

  /** A change of amount, period or thresholds applies from the next evaluation; alerts already raised stay. */
  async update(userId: string, id: string, body: UpdateBudgetBody): Promise<Budget> {
    await this.owned(userId, id);
    if (body.scope) this.checkScope(body.scope);
    const row = await this.db.budget.update({
      where: { id },
      data: {
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.amountUsd === undefined ? {} : { amountUsd: body.amountUsd }),
        ...(body.period === undefined ? {} : { period: body.period }),
        ...(body.scope === undefined ? {} : { scope: body.scope }),
        ...(body.thresholds === undefined ? {} : { thresholds: body.thresholds }),
      },
      select: FIELDS,
    });
    return this.present(userId, row);
  }

  /** Deletes the budget; its alerts stay in the history with `budgetId: null`. */
  async remove(userId: string, id: string): Promise<Budget> {
    const budget = await this.present(userId, await this.owned(userId, id));
    await this.db.budget.delete({ where: { id } });
    return budget;
  }

  private checkScope(scope: BudgetScope): void {
    for (const key of Object.keys(scope.dimensions ?? {})) {
      if (!this.options.dimensions.includes(key)) {
        throw new ValidationError(`Invalid body at scope.dimensions.${key}: not a rolled-up dimension (USAGE_DIMENSIONS is ${this.options.dimensions.join(',') || 'empty'})`, [
          { path: ['scope', 'dimensions', key], code: 'custom', message: 'not a rolled-up dimension' },
        ]);
      }
    }
  }

  private async present(userId: string, row: BudgetRow): Promise<Budget> {
    const budget = parseBudgetRow(row);
    return { ...budget, createdAt: budget.createdAt.toISOString(), status: await budgetStatus(this.db, userId, budget, new Date()) };
  }

  private async owned(userId: string, id: string): Promise<BudgetRow> {
    const row = await this.db.budget.findFirst({ where: { id, userId }, select: FIELDS });
    if (row) return row;
    const other = await this.db.budget.findUnique({ where: { id }, select: { userId: true } });
    if (other) this.options.onCrossTenant?.({ resource: 'budget', resourceId: id, userId, ownerId: other.userId });
    throw new NotFoundError('Budget');
  }
}

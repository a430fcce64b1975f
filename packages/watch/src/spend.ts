import type { BudgetScope } from '@netra/contracts';
import { querySql, sql, type Db } from '@netra/db';

export interface DailySpend {
  day: string;
  costUsd: number;
}

/**
 * Spend per UTC day in [fromDay, toDay) of the usage a scope selects, read from the daily rollups (a few rows a
 * day, never the events): `usage_rollups` for apps and models, `usage_dimension_rollups` when the scope names a
 * metadata value (team, feature…).
 */
export async function dailySpend(db: Db, userId: string, scope: BudgetScope, fromDay: string, toDay: string): Promise<DailySpend[]> {
  const apps = scope.apps ?? null;
  const models = scope.models ?? null;
  const [dimension] = Object.entries(scope.dimensions ?? {});
  const rows = dimension
    ? await querySql<{ day: string; cost: number }>(
        db,
        sql('budget_spend_dimension')`
          SELECT day::text AS day, sum(cost_usd)::float8 AS cost
            FROM usage_dimension_rollups
           WHERE user_id = ${userId}::uuid AND day >= ${fromDay}::date AND day < ${toDay}::date
             AND key = ${dimension[0]} AND value = ANY(${dimension[1]}::text[])
             AND (${apps}::text[] IS NULL OR app = ANY(${apps}::text[]))
             AND (${models}::text[] IS NULL OR model = ANY(${models}::text[]))
           GROUP BY day ORDER BY day`,
      )
    : await querySql<{ day: string; cost: number }>(
        db,
        sql('budget_spend')`
          SELECT day::text AS day, sum(cost_usd)::float8 AS cost
            FROM usage_rollups
           WHERE user_id = ${userId}::uuid AND day >= ${fromDay}::date AND day < ${toDay}::date
             AND (${apps}::text[] IS NULL OR app = ANY(${apps}::text[]))
             AND (${models}::text[] IS NULL OR model = ANY(${models}::text[]))
           GROUP BY day ORDER BY day`,
      );
  return rows.map((r) => ({ day: r.day, costUsd: r.cost }));
}

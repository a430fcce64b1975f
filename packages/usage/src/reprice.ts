import type { Db, SqlQuery } from '@netra/db';
import { sql, transactionSql } from '@netra/db';

/** What a repricing changed. */
export interface RepriceResult {
  /** Events whose cost changed. */
  events: number;
  /** Workspaces those events belong to. */
  workspaces: number;
}

/** Event model names priced alike, and their price now (0 and 0 when no catalog entry prices them any more). */
export interface RepriceGroup {
  names: readonly string[];
  inputPricePerMTok: number;
  outputPricePerMTok: number;
}

/**
 * Reprices the events of `group.names` whose cost came from the catalog (`cost_estimated`; a cost the client sent
 * is never touched) and corrects every rollup that holds their cost — `usage_rollups` (cost, cost of hashed
 * prompts) and `usage_dimension_rollups` — by the exact difference, in one statement: the old costs come from the
 * statement's snapshot (the self-join), so the rollups move by what the events moved. Events already at the price
 * are skipped, so running it again changes nothing (a failed call can simply be repeated).
 *
 * Runs after an admin adds or corrects a model (CatalogService). The users owning those events are locked first
 * (FOR UPDATE, in id order), as a rollup rebuild does: an import batch of theirs (FOR KEY SHARE) waits, so a
 * rollup can neither miss an event nor count one twice. Cost: a scan of the events (there is no index on model),
 * once per catalog change.
 */
async function repriceGroup(query: SqlQuery, group: RepriceGroup): Promise<{ userIds: string[]; events: number }> {
  const names = [...group.names];
  await query(sql('reprice_lock')`
    SELECT id FROM users WHERE id IN (SELECT DISTINCT user_id FROM usage_rollups WHERE model = ANY(${names}::text[]))
     ORDER BY id FOR UPDATE`);
  const [row] = await query<{ events: number; users: string[] | null }>(sql('reprice_events')`
    WITH changed AS (
      UPDATE usage_events e
         SET cost_usd = (e.prompt_tokens * ${group.inputPricePerMTok}::float8 + e.completion_tokens * ${group.outputPricePerMTok}::float8) / 1000000
        FROM usage_events o
       WHERE o.user_id = e.user_id AND o.event_id = e.event_id
         AND e.model = ANY(${names}::text[]) AND e.cost_estimated
         AND e.cost_usd IS DISTINCT FROM (e.prompt_tokens * ${group.inputPricePerMTok}::float8 + e.completion_tokens * ${group.outputPricePerMTok}::float8) / 1000000
      RETURNING e.user_id, (e.ts AT TIME ZONE 'UTC')::date AS day, e.model, e.app, e.prompt_hash, e.metadata, e.cost_usd - o.cost_usd AS delta
    ), deltas AS (
      SELECT user_id, day, model, app, sum(delta) AS d, coalesce(sum(delta) FILTER (WHERE prompt_hash IS NOT NULL), 0) AS hd
        FROM changed GROUP BY 1, 2, 3, 4
    ), rolled AS (
      UPDATE usage_rollups r SET cost_usd = r.cost_usd + d.d, hashed_cost_usd = r.hashed_cost_usd + d.hd
        FROM deltas d
       WHERE r.user_id = d.user_id AND r.day = d.day AND r.model = d.model AND r.app = d.app
      RETURNING 1
    ), dim_deltas AS (
      -- Every metadata key of the events: only the configured ones (USAGE_DIMENSIONS) have rows to update.
      SELECT c.user_id, c.day, m.key, left(m.value, 200) AS value, c.model, c.app, sum(c.delta) AS d
        FROM changed c CROSS JOIN LATERAL jsonb_each_text(CASE WHEN jsonb_typeof(c.metadata) = 'object' THEN c.metadata ELSE '{}' END) AS m(key, value)
       WHERE m.value IS NOT NULL
       GROUP BY 1, 2, 3, 4, 5, 6
    ), dim_rolled AS (
      UPDATE usage_dimension_rollups r SET cost_usd = r.cost_usd + d.d
        FROM dim_deltas d
       WHERE r.user_id = d.user_id AND r.day = d.day AND r.key = d.key AND r.value = d.value AND r.model = d.model AND r.app = d.app
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM changed)::int AS events,
           (SELECT array_agg(DISTINCT user_id::text) FROM changed) AS users,
           (SELECT count(*) FROM rolled)::int AS rollups, (SELECT count(*) FROM dim_rolled)::int AS dimension_rollups`);
  return { userIds: row?.users ?? [], events: row?.events ?? 0 };
}

/** Reprices every group in one transaction (all or nothing). */
export async function reprice(db: Db, groups: readonly RepriceGroup[]): Promise<RepriceResult> {
  if (groups.every((g) => g.names.length === 0)) return { events: 0, workspaces: 0 };
  return transactionSql(db, async (query) => {
    const users = new Set<string>();
    let events = 0;
    for (const group of groups) {
      if (group.names.length === 0) continue;
      const done = await repriceGroup(query, group);
      events += done.events;
      for (const id of done.userIds) users.add(id);
    }
    return { events, workspaces: users.size };
  });
}

/** The model names stored in any workspace's rollups (one row per day × model × app: far fewer than events). */
export async function storedModelNames(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<{ model: string }[]>`SELECT DISTINCT model FROM usage_rollups`;
  return rows.map((r) => r.model);
}

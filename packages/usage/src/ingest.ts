import type { UsageEventInput } from '@netra/contracts';
import { querySql, sql, type Db } from '@netra/db';
import { costOf, type CatalogService } from './catalog.js';
import { latencyBucket } from './histogram.js';

export interface WriteResult {
  /** Events stored by this call (the rest were already there: duplicates). */
  inserted: number;
  /** Models of stored events that had no `costUsd` and no catalog price (stored with cost 0). */
  unpricedModels: string[];
}

/**
 * Stores validated usage events in batches: one statement holding a multi-row INSERT … ON CONFLICT DO NOTHING
 * (dedupe on (user, id)) and the upsert of the per-day rollups of the rows actually inserted — so the rollups
 * always agree with the events, and a failed batch leaves nothing behind. Never one round trip per event.
 */
export class UsageWriter {
  constructor(
    private readonly db: Db,
    private readonly catalog: CatalogService,
  ) {}

  /**
   * Stores the events of one batch. Ids repeated inside the batch count once (the first occurrence wins), like an
   * id already stored.
   */
  async write(userId: string, batch: readonly UsageEventInput[]): Promise<WriteResult> {
    const seen = new Set<string>();
    const events = batch.filter((e) => (seen.has(e.id) ? false : (seen.add(e.id), true)));
    if (events.length === 0) return { inserted: 0, unpricedModels: [] };
    const book = await this.catalog.priceBook();
    // The batch travels as one JSON parameter (json_to_recordset): JSON.stringify is native and Postgres parses
    // JSON in C — far cheaper than fourteen array parameters serialised element by element.
    const unpriced = new Set<string>();
    const records = events.map((e) => {
      const price = e.costUsd === undefined ? book.find(e.model) : undefined;
      if (e.costUsd === undefined && !price) unpriced.add(e.model);
      return {
        i: e.id,
        t: e.timestamp,
        a: e.app,
        m: e.model,
        p: e.provider ?? price?.provider ?? null,
        pt: e.promptTokens,
        ct: e.completionTokens,
        l: e.latencyMs,
        b: latencyBucket(e.latencyMs),
        f: e.ttftMs ?? null,
        s: e.status,
        c: e.costUsd ?? (price ? costOf(price, e.promptTokens, e.completionTokens) : 0),
        h: e.promptHash ?? null,
        md: e.metadata ?? null,
      };
    });
    const unpricedCandidates = [...unpriced];
    // One statement, so one round trip and atomic: the events, and the rollups of exactly the rows inserted
    // (RETURNING leaves out the duplicates). Rollup rows are upserted in key order: two batches of one user lock
    // shared rows in the same order, and a batch locks rollups only after all its event inserts, so concurrent
    // batches cannot deadlock. Sent past Prisma (querySql): its JSON round trip of raw-query arguments cost more
    // than building the batch.
    const result = await querySql<{ inserted: number; unpriced: string[] | null }>(
      this.db,
      sql('usage_insert_batch')`
      WITH owner AS (
        -- In place of a foreign key (checked per row): the user row, locked once so it cannot be deleted before
        -- this commits. No user, no rows.
        SELECT id FROM users WHERE id = ${userId}::uuid FOR KEY SHARE
      ), ins AS (
        INSERT INTO usage_events (user_id, event_id, ts, app, model, provider, prompt_tokens, completion_tokens,
                                  latency_ms, latency_bucket, ttft_ms, status, cost_usd, prompt_hash, metadata)
        SELECT owner.id, t.i, t.t, t.a, t.m, t.p, t.pt, t.ct, t.l, t.b, t.f, t.s::"UsageStatus", t.c, t.h, t.md
          FROM owner, json_to_recordset(${JSON.stringify(records)}::json)
               AS t(i text, t timestamptz, a text, m text, p text, pt int, ct int, l int, b smallint, f int, s text, c float8, h text, md jsonb)
        ON CONFLICT (user_id, event_id) DO NOTHING
        RETURNING ts, model, app, status, prompt_tokens, completion_tokens, cost_usd, latency_bucket
      ), buckets AS (
        SELECT (ts AT TIME ZONE 'UTC')::date AS day, model, app, latency_bucket, count(*) AS n,
               count(*) FILTER (WHERE status = 'error') AS errors,
               sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cost_usd) AS cost_usd
          FROM ins GROUP BY 1, 2, 3, 4
      ), deltas AS (
        SELECT day, model, app, sum(n)::int AS requests, sum(errors)::int AS errors,
               sum(prompt_tokens)::int8 AS prompt_tokens, sum(completion_tokens)::int8 AS completion_tokens,
               sum(cost_usd)::float8 AS cost_usd, jsonb_object_agg(latency_bucket::text, n) AS hist
          FROM buckets GROUP BY 1, 2, 3
      ), rolled AS (
        INSERT INTO usage_rollups AS r (user_id, day, model, app, requests, errors, prompt_tokens, completion_tokens, cost_usd, latency_hist)
        SELECT ${userId}::uuid, day, model, app, requests, errors, prompt_tokens, completion_tokens, cost_usd, hist
          FROM deltas ORDER BY day, model, app
        ON CONFLICT (user_id, day, model, app) DO UPDATE SET
          requests = r.requests + EXCLUDED.requests,
          errors = r.errors + EXCLUDED.errors,
          prompt_tokens = r.prompt_tokens + EXCLUDED.prompt_tokens,
          completion_tokens = r.completion_tokens + EXCLUDED.completion_tokens,
          cost_usd = r.cost_usd + EXCLUDED.cost_usd,
          latency_hist = (
            SELECT coalesce(jsonb_object_agg(k, s), '{}'::jsonb)
              FROM (SELECT k, sum(v::int) AS s
                      FROM (SELECT key, value FROM jsonb_each_text(r.latency_hist)
                            UNION ALL
                            SELECT key, value FROM jsonb_each_text(EXCLUDED.latency_hist)) AS x(k, v)
                     GROUP BY k) AS y)
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM ins)::int AS inserted,
             (SELECT array_agg(DISTINCT model ORDER BY model) FROM ins WHERE cost_usd = 0 AND model = ANY(${unpricedCandidates}::text[])) AS unpriced,
             (SELECT count(*) FROM rolled)::int AS rollups`,
    );
    const row = result[0];
    return { inserted: row?.inserted ?? 0, unpricedModels: row?.unpriced ?? [] };
  }
}

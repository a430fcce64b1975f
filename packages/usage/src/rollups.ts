import { sql, transactionSql, type Db, type SqlQuery, type SqlStatement } from '@netra/db';

/**
 * What ingestion maintains beside the events, so that no analysis reads a window's raw events (docs/ANALYTICS.md):
 *
 * - `usage_rollups`, per UTC day × model × app: requests, errors, tokens, cost; histograms of latency, TTFT,
 *   prompt and completion tokens (logarithmic buckets, histogram.ts); requests per hour of the day; requests
 *   tagged as batch work; prompt tokens served from the provider's prompt cache and reported quality scores (sum,
 *   count); and the prompt-hash statistics of the cache tool — how many requests carry a hash, their cost, the exact
 *   set of distinct hashes while it is small, and a mergeable distinct-count sketch (sketch.ts);
 * - `usage_dimension_rollups`: the same counts, tokens, cost and latency per configured metadata key and value;
 * - `usage_minutes` and `usage_peaks`: requests and tokens per model and minute (a row per hour), and each day's
 *   busiest minute.
 *
 * One statement writes all of them from a source of rows: the events a batch actually inserted (`INSERT … ON
 * CONFLICT DO NOTHING RETURNING`: duplicates add nothing), or — to rebuild a day — the day's stored events. Rollup
 * rows are upserted in key order, after the event inserts, so concurrent batches of one user cannot deadlock.
 */

/** Distinct prompt hashes kept exactly per rollup row; past this the sketch answers (sketch.ts). */
export { PROMPT_SET_CAP } from './sketch.js';
import { PROMPT_SET_CAP } from './sketch.js';

export interface WriteRow extends Record<string, unknown> {
  inserted: number;
  unpriced: string[] | null;
}

/**
 * The write statement. `records` is the batch as JSON (ingest.ts) and `hashStats` its prompt-hash statistics per
 * day × model × app (sketch.ts `hashStats`: computed by the gateway, which has CPU to spare while PostgreSQL is the
 * bottleneck of an import); or `[]` twice with `replayDay` (`YYYY-MM-DD`) to roll up that day's stored events
 * again, when the same statistics are computed here in SQL. Sets and sketches are unions, so the batch's duplicates
 * in `hashStats` change nothing; a group whose events were all duplicates is not written at all.
 */
export function writeStatement(userId: string, records: string, hashStats: string, replayDay: string | null, dimensions: readonly string[], unpriced: readonly string[]): SqlStatement {
  const replayFrom = replayDay === null ? null : `${replayDay}T00:00:00.000Z`;
  const replayTo = replayDay === null ? null : new Date(Date.parse(`${replayDay}T00:00:00.000Z`) + 86_400_000).toISOString();
  return sql('usage_write')`
    WITH owner AS (
      -- In place of a foreign key (checked per row): the user row, locked once so it cannot be deleted before
      -- this commits. No user, no rows.
      SELECT id FROM users WHERE id = ${userId}::uuid FOR KEY SHARE
    ), ins AS (
      INSERT INTO usage_events (user_id, event_id, ts, app, model, provider, prompt_tokens, completion_tokens,
                                latency_ms, latency_bucket, ttft_ms, status, cost_usd, cost_estimated, prompt_hash, metadata,
                                cached_prompt_tokens, quality_score)
      SELECT owner.id, t.i, t.t, t.a, t.m, t.p, t.pt, t.ct, t.l, t.b, t.f, t.s::"UsageStatus", t.c, coalesce(t.e, false), t.h, t.md, t.cp, t.q
        FROM owner, json_to_recordset(${records}::json)
             AS t(i text, t timestamptz, a text, m text, p text, pt int, ct int, l int, b smallint, f int, s text, c float8, e boolean, h text, md jsonb, cp int, q real)
      ON CONFLICT (user_id, event_id) DO NOTHING
      RETURNING ts, model, app, status, prompt_tokens, completion_tokens, cost_usd, latency_bucket, ttft_ms, prompt_hash, metadata,
                cached_prompt_tokens, quality_score
    ), src AS (
      SELECT * FROM ins
      UNION ALL
      SELECT e.ts, e.model, e.app, e.status, e.prompt_tokens, e.completion_tokens, e.cost_usd, e.latency_bucket, e.ttft_ms, e.prompt_hash, e.metadata,
             e.cached_prompt_tokens, e.quality_score
        FROM owner JOIN usage_events e ON e.user_id = owner.id
       WHERE e.ts >= ${replayFrom}::timestamptz AND e.ts < ${replayTo}::timestamptz
    ), rows AS (
      SELECT (ts AT TIME ZONE 'UTC')::date AS day, date_trunc('minute', ts) AS minute,
             extract(hour FROM ts AT TIME ZONE 'UTC')::int AS hour, model, app, status, prompt_tokens,
             completion_tokens, cost_usd, latency_bucket, ttft_ms, prompt_hash, metadata, cached_prompt_tokens, quality_score
        FROM src
    ), groups AS (
      SELECT day, model, app, count(*)::int AS requests, (count(*) FILTER (WHERE status = 'error'))::int AS errors,
             sum(prompt_tokens)::int8 AS prompt_tokens, sum(completion_tokens)::int8 AS completion_tokens,
             sum(cost_usd)::float8 AS cost_usd, count(ttft_ms)::int AS streamed,
             (count(*) FILTER (WHERE metadata->>'workload' = 'batch'))::int AS batch_tagged,
             count(prompt_hash)::int AS hashed,
             coalesce(sum(cost_usd) FILTER (WHERE prompt_hash IS NOT NULL), 0)::float8 AS hashed_cost_usd,
             coalesce(sum(cached_prompt_tokens), 0)::int8 AS cached_prompt_tokens,
             coalesce(sum(quality_score), 0)::float8 AS quality_sum, count(quality_score)::int AS quality_n
        FROM rows GROUP BY 1, 2, 3
    ), replayed AS (
      -- Rebuilding a day: the hash statistics from its events, as hashStats (sketch.ts) computes them for a batch.
      -- Hashes are client-chosen, so they are spread through md5 first (look-alike ones fill the sketch evenly).
      SELECT DISTINCT day, model, app, md5(prompt_hash) AS spread FROM rows WHERE ${replayDay}::date IS NOT NULL AND prompt_hash IS NOT NULL
    ), hash_stats AS (
      SELECT d AS day, m AS model, a AS app, k AS prompt_set, q AS positions
        FROM json_to_recordset(${hashStats}::json) AS x(d date, m text, a text, k int8[], q int[])
      UNION ALL
      SELECT day, model, app,
             CASE WHEN count(*) > ${PROMPT_SET_CAP} THEN NULL
                  ELSE array_agg(('x' || left(spread, 15))::bit(60)::int8 ORDER BY ('x' || left(spread, 15))::bit(60)::int8) END,
             array_agg(DISTINCT (('x' || left(spread, 3))::bit(12)::int >> 2) * 32
                       + least(31, coalesce(nullif(strpos(reverse(('x' || substr(spread, 4, 8))::bit(32)::text), '1'), 0), 32) - 1))
        FROM replayed GROUP BY 1, 2, 3
    ), sketches AS MATERIALIZED (
      -- Materialized: inlined, it lands inside a nested loop and is computed once per group per group. The bitmap
      -- is written as text in one pass (zeros up to each set bit, positions ascending), then cast. 32768 is
      -- SKETCH_LENGTH (a type modifier cannot be a parameter).
      SELECT day, model, app, prompt_set,
             (SELECT rpad(string_agg(repeat('0', pos - prev - 1) || '1', '' ORDER BY pos), 32768, '0')::bit(32768)
                FROM (SELECT pos, lag(pos, 1, -1) OVER (ORDER BY pos) AS prev FROM unnest(positions) AS pos) AS p) AS sketch
        FROM hash_stats
    ), bins AS (
      -- Each histogram's buckets per group in one pass (hashed grouping sets); a column outside a set is NULL, so
      -- each histogram below takes the rows of its own set. l latency, t TTFT, p prompt and c completion tokens, h hour.
      SELECT day, model, app, latency_bucket::int AS l, netra_log_bucket(ttft_ms) AS t, netra_log_bucket(prompt_tokens) AS p,
             netra_log_bucket(completion_tokens) AS c, hour AS h, count(*) AS n
        FROM rows
       GROUP BY GROUPING SETS ((1, 2, 3, 4), (1, 2, 3, 5), (1, 2, 3, 6), (1, 2, 3, 7), (1, 2, 3, 8))
    ), hists AS (
      SELECT day, model, app,
             coalesce(jsonb_object_agg(l::text, n) FILTER (WHERE l IS NOT NULL), '{}') AS latency_hist,
             coalesce(jsonb_object_agg(t::text, n) FILTER (WHERE t IS NOT NULL), '{}') AS ttft_hist,
             coalesce(jsonb_object_agg(p::text, n) FILTER (WHERE p IS NOT NULL), '{}') AS prompt_tokens_hist,
             coalesce(jsonb_object_agg(c::text, n) FILTER (WHERE c IS NOT NULL), '{}') AS completion_tokens_hist,
             coalesce(jsonb_object_agg(h::text, n) FILTER (WHERE h IS NOT NULL), '{}') AS hours
        FROM bins GROUP BY 1, 2, 3
    ), rolled AS (
      INSERT INTO usage_rollups AS r (user_id, day, model, app, requests, errors, prompt_tokens, completion_tokens, cost_usd,
                                      latency_hist, streamed, ttft_hist, prompt_tokens_hist, completion_tokens_hist, hour_counts,
                                      batch_tagged, hashed, hashed_cost_usd, prompt_set, prompt_sketch,
                                      cached_prompt_tokens, quality_sum, quality_n)
      SELECT ${userId}::uuid, g.day, g.model, g.app, g.requests, g.errors, g.prompt_tokens, g.completion_tokens, g.cost_usd,
             h.latency_hist, g.streamed, h.ttft_hist, h.prompt_tokens_hist, h.completion_tokens_hist,
             ARRAY(SELECT coalesce((h.hours->>hr::text)::int, 0) FROM generate_series(0, 23) AS hr ORDER BY hr),
             g.batch_tagged, g.hashed, g.hashed_cost_usd, CASE WHEN g.hashed = 0 THEN '{}' ELSE s.prompt_set END,
             CASE WHEN g.hashed = 0 THEN NULL ELSE s.sketch END,
             g.cached_prompt_tokens, g.quality_sum, g.quality_n
        FROM groups g JOIN hists h USING (day, model, app) LEFT JOIN sketches s USING (day, model, app)
       ORDER BY g.day, g.model, g.app
      ON CONFLICT (user_id, day, model, app) DO UPDATE SET
        requests = r.requests + EXCLUDED.requests,
        errors = r.errors + EXCLUDED.errors,
        prompt_tokens = r.prompt_tokens + EXCLUDED.prompt_tokens,
        completion_tokens = r.completion_tokens + EXCLUDED.completion_tokens,
        cost_usd = r.cost_usd + EXCLUDED.cost_usd,
        latency_hist = netra_hist_add(r.latency_hist, EXCLUDED.latency_hist),
        streamed = r.streamed + EXCLUDED.streamed,
        ttft_hist = netra_hist_add(r.ttft_hist, EXCLUDED.ttft_hist),
        prompt_tokens_hist = netra_hist_add(r.prompt_tokens_hist, EXCLUDED.prompt_tokens_hist),
        completion_tokens_hist = netra_hist_add(r.completion_tokens_hist, EXCLUDED.completion_tokens_hist),
        hour_counts = netra_counts_add(r.hour_counts, EXCLUDED.hour_counts),
        batch_tagged = r.batch_tagged + EXCLUDED.batch_tagged,
        hashed = r.hashed + EXCLUDED.hashed,
        hashed_cost_usd = r.hashed_cost_usd + EXCLUDED.hashed_cost_usd,
        prompt_set = netra_prompt_set_union(r.prompt_set, EXCLUDED.prompt_set, ${PROMPT_SET_CAP}),
        prompt_sketch = coalesce(r.prompt_sketch | EXCLUDED.prompt_sketch, r.prompt_sketch, EXCLUDED.prompt_sketch),
        cached_prompt_tokens = r.cached_prompt_tokens + EXCLUDED.cached_prompt_tokens,
        quality_sum = r.quality_sum + EXCLUDED.quality_sum,
        quality_n = r.quality_n + EXCLUDED.quality_n
      RETURNING 1
    ), dim_bins AS (
      SELECT r.day, r.model, r.app, d.key, left(r.metadata->>d.key, 200) AS value, r.latency_bucket, count(*) AS n,
             count(*) FILTER (WHERE r.status = 'error') AS errors, sum(r.prompt_tokens) AS prompt_tokens,
             sum(r.completion_tokens) AS completion_tokens, sum(r.cost_usd) AS cost_usd
        FROM (SELECT * FROM rows WHERE metadata ?| ${dimensions}::text[]) AS r CROSS JOIN unnest(${dimensions}::text[]) AS d(key)
       WHERE r.metadata->>d.key IS NOT NULL
       GROUP BY 1, 2, 3, 4, 5, 6
    ), dim_rolled AS (
      INSERT INTO usage_dimension_rollups AS r (user_id, day, key, value, model, app, requests, errors, prompt_tokens,
                                                completion_tokens, cost_usd, latency_hist)
      SELECT ${userId}::uuid, day, key, value, model, app, sum(n)::int, sum(errors)::int, sum(prompt_tokens)::int8,
             sum(completion_tokens)::int8, sum(cost_usd)::float8, jsonb_object_agg(latency_bucket::text, n)
        FROM dim_bins GROUP BY day, key, value, model, app
       ORDER BY day, key, value, model, app
      ON CONFLICT (user_id, day, key, value, model, app) DO UPDATE SET
        requests = r.requests + EXCLUDED.requests,
        errors = r.errors + EXCLUDED.errors,
        prompt_tokens = r.prompt_tokens + EXCLUDED.prompt_tokens,
        completion_tokens = r.completion_tokens + EXCLUDED.completion_tokens,
        cost_usd = r.cost_usd + EXCLUDED.cost_usd,
        latency_hist = netra_hist_add(r.latency_hist, EXCLUDED.latency_hist)
      RETURNING 1
    ), minute_bins AS (
      SELECT model, date_trunc('hour', minute, 'UTC') AS hour, extract(minute FROM minute)::int AS m, count(*) AS n,
             sum(prompt_tokens + completion_tokens) AS tokens
        FROM rows GROUP BY 1, 2, 3
    ), minutes AS (
      -- One row per model and hour, the minutes inside as sparse counts: a batch upserts a few rows, not one per minute.
      INSERT INTO usage_minutes AS u (user_id, model, hour, requests, tokens)
      SELECT ${userId}::uuid, model, hour, jsonb_object_agg(m::text, n), jsonb_object_agg(m::text, tokens)
        FROM minute_bins GROUP BY model, hour ORDER BY model, hour
      ON CONFLICT (user_id, model, hour) DO UPDATE SET
        requests = netra_hist_add(u.requests, EXCLUDED.requests),
        tokens = netra_hist_add(u.tokens, EXCLUDED.tokens)
      RETURNING model, hour,
                (SELECT max(value::int) FROM jsonb_each_text(u.requests)) AS requests,
                (SELECT max(value::int8) FROM jsonb_each_text(u.tokens)) AS tokens
    ), peaks AS (
      -- The busiest minute of each hour this batch touched, after it: a day's peak can only grow, so the maximum of
      -- the old peak and of these is the day's busiest minute.
      INSERT INTO usage_peaks AS p (user_id, day, model, peak_rpm, peak_tpm)
      SELECT ${userId}::uuid, (hour AT TIME ZONE 'UTC')::date, model, max(requests), max(tokens)
        FROM minutes GROUP BY 2, 3 ORDER BY 2, 3
      ON CONFLICT (user_id, day, model) DO UPDATE SET
        peak_rpm = greatest(p.peak_rpm, EXCLUDED.peak_rpm),
        peak_tpm = greatest(p.peak_tpm, EXCLUDED.peak_tpm)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM ins)::int AS inserted,
           (SELECT array_agg(DISTINCT model ORDER BY model) FROM ins WHERE cost_usd = 0 AND model = ANY(${unpriced}::text[])) AS unpriced,
           (SELECT count(*) FROM rolled)::int AS rollups, (SELECT count(*) FROM dim_rolled)::int AS dimension_rollups,
           (SELECT count(*) FROM peaks)::int AS peaks`;
}

/** Deletes a (user, day)'s rollups and writes them again from its events, on the caller's transaction. */
async function rollUpAgain(query: SqlQuery, userId: string, day: string, dimensions: readonly string[]): Promise<void> {
  const to = new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString();
  // Locked FOR UPDATE first: the user's insert batches (FOR KEY SHARE) wait for this, so none is counted twice or lost.
  await query(sql('usage_rebuild_lock')`SELECT id FROM users WHERE id = ${userId}::uuid FOR UPDATE`);
  await query(sql('usage_rebuild_clear')`
    WITH a AS (DELETE FROM usage_rollups WHERE user_id = ${userId}::uuid AND day = ${day}::date RETURNING 1),
         b AS (DELETE FROM usage_dimension_rollups WHERE user_id = ${userId}::uuid AND day = ${day}::date RETURNING 1),
         c AS (DELETE FROM usage_peaks WHERE user_id = ${userId}::uuid AND day = ${day}::date RETURNING 1),
         d AS (DELETE FROM usage_minutes WHERE user_id = ${userId}::uuid AND hour >= ${`${day}T00:00:00.000Z`}::timestamptz
                                             AND hour < ${to}::timestamptz RETURNING 1)
    SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b) + (SELECT count(*) FROM c) + (SELECT count(*) FROM d) AS n`);
  await query(writeStatement(userId, '[]', '[]', day, dimensions, []));
  await query(sql('usage_rebuild_done')`DELETE FROM usage_rollup_rebuilds WHERE user_id = ${userId}::uuid AND day = ${day}::date`);
}

/**
 * Rolls up one (user, day) again from its stored events, with the same statement that ingestion uses: after a
 * migration that adds a rollup, a change of USAGE_DIMENSIONS, or a repricing. One transaction.
 */
export async function rebuildDay(db: Db, userId: string, day: string, dimensions: readonly string[]): Promise<void> {
  await transactionSql(db, (query) => rollUpAgain(query, userId, day, dimensions));
}

/**
 * Rebuilds the days queued in `usage_rollup_rebuilds` until none is left: one day per transaction, which claims
 * its queue row (SKIP LOCKED, so several processes drain the queue at once) and deletes it on commit — a crash
 * mid-way leaves the day queued. Returns how many days it rebuilt.
 */
export async function drainRebuilds(db: Db, dimensions: readonly string[], options: { signal?: AbortSignal; onDay?: (userId: string, day: string) => void } = {}): Promise<number> {
  let done = 0;
  while (!options.signal?.aborted) {
    const day = await transactionSql(db, async (query) => {
      const [next] = await query<{ user_id: string; day: string; owner: string | null }>(sql('usage_rebuild_next')`
        SELECT q.user_id::text AS user_id, to_char(q.day, 'YYYY-MM-DD') AS day, u.id::text AS owner
          FROM usage_rollup_rebuilds q LEFT JOIN users u ON u.id = q.user_id
         ORDER BY q.user_id, q.day LIMIT 1 FOR UPDATE OF q SKIP LOCKED`);
      if (!next) return null;
      if (next.owner === null) {
        // The user was deleted since (the owner trigger raced the queue): nothing to roll up.
        await query(sql('usage_rebuild_done')`DELETE FROM usage_rollup_rebuilds WHERE user_id = ${next.user_id}::uuid AND day = ${next.day}::date`);
      } else {
        await rollUpAgain(query, next.user_id, next.day, dimensions);
      }
      return next;
    });
    if (!day) break;
    if (day.owner !== null) {
      done += 1;
      options.onDay?.(day.user_id, day.day);
    }
  }
  return done;
}

import type { UsageEventInput } from '@netra/contracts';
import type { Db } from '@netra/db';
import { costOf, type CatalogService } from './catalog.js';
import { addTo, latencyBucket, toJson, type Histogram } from './histogram.js';

export interface WriteResult {
  /** Events stored by this call (the rest were already there: duplicates). */
  inserted: number;
  /** Models of stored events that had no `costUsd` and no catalog price (stored with cost 0). */
  unpricedModels: string[];
}

interface RollupDelta {
  day: string;
  model: string;
  app: string;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  hist: Histogram;
}

/**
 * Stores validated usage events in batches: one multi-row INSERT … ON CONFLICT DO NOTHING (dedupe on
 * (user, id)) and one upsert of the per-day rollups of the rows actually inserted, in one transaction — so the
 * rollups always agree with the events, and a failed batch leaves nothing behind. Never one round trip per event.
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
    const n = events.length;
    const ids = new Array<string>(n);
    const ts = new Array<string>(n);
    const apps = new Array<string>(n);
    const models = new Array<string>(n);
    const providers = new Array<string | null>(n);
    const promptTokens = new Array<number>(n);
    const completionTokens = new Array<number>(n);
    const latency = new Array<number>(n);
    const buckets = new Array<number>(n);
    const ttft = new Array<number | null>(n);
    const statuses = new Array<string>(n);
    const costs = new Array<number>(n);
    const hashes = new Array<string | null>(n);
    const metadata = new Array<string | null>(n);
    const priced = new Array<boolean>(n);
    for (const [i, e] of events.entries()) {
      const price = e.costUsd === undefined ? book.find(e.model) : undefined;
      priced[i] = e.costUsd !== undefined || price !== undefined;
      ids[i] = e.id;
      ts[i] = new Date(e.timestamp).toISOString();
      apps[i] = e.app;
      models[i] = e.model;
      providers[i] = e.provider ?? price?.provider ?? null;
      promptTokens[i] = e.promptTokens;
      completionTokens[i] = e.completionTokens;
      latency[i] = e.latencyMs;
      buckets[i] = latencyBucket(e.latencyMs);
      ttft[i] = e.ttftMs ?? null;
      statuses[i] = e.status;
      costs[i] = e.costUsd ?? (price ? costOf(price, e.promptTokens, e.completionTokens) : 0);
      hashes[i] = e.promptHash ?? null;
      metadata[i] = e.metadata === undefined ? null : JSON.stringify(e.metadata);
    }

    return this.db.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<{ event_id: string }[]>`
          INSERT INTO usage_events (user_id, event_id, ts, app, model, provider, prompt_tokens, completion_tokens,
                                    latency_ms, latency_bucket, ttft_ms, status, cost_usd, prompt_hash, metadata)
          SELECT ${userId}::uuid, t.event_id, t.ts, t.app, t.model, t.provider, t.prompt_tokens, t.completion_tokens,
                 t.latency_ms, t.latency_bucket, t.ttft_ms, t.status::"UsageStatus", t.cost_usd, t.prompt_hash, t.metadata
            FROM unnest(${ids}::text[], ${ts}::timestamptz[], ${apps}::text[], ${models}::text[], ${providers}::text[],
                        ${promptTokens}::int[], ${completionTokens}::int[], ${latency}::int[], ${buckets}::smallint[],
                        ${ttft}::int[], ${statuses}::text[], ${costs}::float8[], ${hashes}::text[], ${metadata}::jsonb[])
                 AS t(event_id, ts, app, model, provider, prompt_tokens, completion_tokens, latency_ms,
                      latency_bucket, ttft_ms, status, cost_usd, prompt_hash, metadata)
          ON CONFLICT (user_id, event_id) DO NOTHING
          RETURNING event_id`;
        if (rows.length === 0) return { inserted: 0, unpricedModels: [] };

        const inserted = new Set(rows.map((r) => r.event_id));
        const deltas = new Map<string, RollupDelta>();
        const unpriced = new Set<string>();
        for (let i = 0; i < n; i++) {
          if (!inserted.has(ids[i] as string)) continue;
          if (!priced[i]) unpriced.add(models[i] as string);
          const day = (ts[i] as string).slice(0, 10);
          const key = `${day}\u0000${models[i]}\u0000${apps[i]}`;
          let d = deltas.get(key);
          if (!d) {
            d = { day, model: models[i] as string, app: apps[i] as string, requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, hist: new Map() };
            deltas.set(key, d);
          }
          d.requests += 1;
          if (statuses[i] === 'error') d.errors += 1;
          d.promptTokens += promptTokens[i] as number;
          d.completionTokens += completionTokens[i] as number;
          d.costUsd += costs[i] as number;
          addTo(d.hist, buckets[i] as number, 1);
        }
        await upsertRollups(tx, userId, [...deltas.values()]);
        return { inserted: inserted.size, unpricedModels: [...unpriced].sort() };
      },
      { maxWait: 10_000, timeout: 120_000 },
    );
  }
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/**
 * Adds deltas to the rollups. Rows are upserted in key order, so two batches of one user touching the same days
 * lock them in the same order and cannot deadlock.
 */
async function upsertRollups(tx: Tx, userId: string, deltas: RollupDelta[]): Promise<void> {
  deltas.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.model < b.model ? -1 : a.model > b.model ? 1 : a.app < b.app ? -1 : a.app > b.app ? 1 : 0));
  await tx.$executeRaw`
    INSERT INTO usage_rollups AS r (user_id, day, model, app, requests, errors, prompt_tokens, completion_tokens, cost_usd, latency_hist)
    SELECT ${userId}::uuid, t.day, t.model, t.app, t.requests, t.errors, t.prompt_tokens, t.completion_tokens, t.cost_usd, t.hist
      FROM unnest(${deltas.map((d) => d.day)}::date[], ${deltas.map((d) => d.model)}::text[], ${deltas.map((d) => d.app)}::text[],
                  ${deltas.map((d) => d.requests)}::int[], ${deltas.map((d) => d.errors)}::int[],
                  ${deltas.map((d) => d.promptTokens)}::int8[], ${deltas.map((d) => d.completionTokens)}::int8[],
                  ${deltas.map((d) => d.costUsd)}::float8[], ${deltas.map((d) => JSON.stringify(toJson(d.hist)))}::jsonb[])
           WITH ORDINALITY AS t(day, model, app, requests, errors, prompt_tokens, completion_tokens, cost_usd, hist, n)
     ORDER BY t.n
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
                 GROUP BY k) AS y)`;
}

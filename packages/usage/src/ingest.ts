import type { UsageEventInput } from '@netra/contracts';
import { querySql, type Db } from '@netra/db';
import { writeStatement, type WriteRow } from './rollups.js';
import { hashStats } from './sketch.js';
import { costOf, type CatalogService } from './catalog.js';
import { latencyBucket } from './histogram.js';

export interface WriteResult {
  /** Events stored by this call (the rest were already there: duplicates). */
  inserted: number;
  /** Models of stored events that had no `costUsd` and no catalog price (stored with cost 0). */
  unpricedModels: string[];
}

export interface UsageWriterOptions {
  /** Metadata keys rolled up per day like `app` (USAGE_DIMENSIONS). Default: team, user, feature. */
  dimensions?: readonly string[];
}

/** The default of USAGE_DIMENSIONS. */
export const DEFAULT_DIMENSIONS: readonly string[] = ['team', 'user', 'feature'];

/**
 * Stores validated usage events in batches: one statement holding a multi-row INSERT … ON CONFLICT DO NOTHING
 * (dedupe on (user, id)) and the upserts of every rollup of the rows actually inserted (rollups.ts) — so the
 * rollups always agree with the events, and a failed batch leaves nothing behind. Never one round trip per event.
 */
export class UsageWriter {
  /** Metadata keys rolled up as dimensions (USAGE_DIMENSIONS). */
  readonly dimensions: readonly string[];

  constructor(
    private readonly db: Db,
    private readonly catalog: CatalogService,
    options: UsageWriterOptions = {},
  ) {
    this.dimensions = options.dimensions ?? DEFAULT_DIMENSIONS;
  }

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
        // Only sent when true (most batches price every event from the catalog: one key per event is cheap).
        ...(e.costUsd === undefined ? { e: true } : {}),
        h: e.promptHash ?? null,
        md: e.metadata ?? null,
        cp: e.cachedPromptTokens ?? null,
        q: e.qualityScore ?? null,
      };
    });
    const unpricedCandidates = [...unpriced];
    // Sent past Prisma (querySql): its JSON round trip of raw-query arguments cost more than building the batch.
    const result = await querySql<WriteRow>(this.db, writeStatement(userId, JSON.stringify(records), JSON.stringify(hashStats(events)), null, this.dimensions, unpricedCandidates));
    const row = result[0];
    return { inserted: row?.inserted ?? 0, unpricedModels: row?.unpriced ?? [] };
  }
}

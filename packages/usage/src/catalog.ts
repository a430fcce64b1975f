import {
  ConflictError,
  NotFoundError,
  type CreateModelBody,
  type ModelCatalogEntry,
  type UpdateModelBody,
} from '@netra/contracts';
import { Prisma, type Db } from '@netra/db';
import { CATALOG_SEED } from './catalog-seed.js';
import { reprice, storedModelNames, type RepriceGroup, type RepriceResult } from './reprice.js';

/** A catalog change and the repricing it caused (events priced from the catalog follow their model's price). */
export interface CatalogChange {
  entry: ModelCatalogEntry;
  repriced: RepriceResult;
}

/** How long loaded prices are reused by ingestion. */
export const PRICE_BOOK_TTL_MS = 10_000;

export interface ModelPrice {
  provider: string;
  model: string;
  inputPricePerMTok: number;
  outputPricePerMTok: number;
}

/**
 * The name a usage event's model is priced under: lower case, without a `provider/` prefix and without a dated
 * snapshot suffix (`gpt-4o-2024-08-06` → `gpt-4o`, `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`).
 */
export function canonicalModel(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/^[a-z0-9_-]+\//, '')
    .replace(/-(\d{4}-\d{2}-\d{2}|\d{8})$/, '');
}

/** What one call costs with a catalog price. */
export function costOf(price: Pick<ModelPrice, 'inputPricePerMTok' | 'outputPricePerMTok'>, promptTokens: number, completionTokens: number): number {
  return (promptTokens * price.inputPricePerMTok + completionTokens * price.outputPricePerMTok) / 1_000_000;
}

/** Prices by model name, matching exact names first and canonical names second. */
export class PriceBook {
  private readonly exact = new Map<string, ModelPrice>();
  private readonly canonical = new Map<string, ModelPrice>();

  constructor(entries: readonly ModelPrice[]) {
    for (const entry of entries) {
      this.exact.set(entry.model, entry);
      this.canonical.set(canonicalModel(entry.model), entry);
    }
  }

  find(model: string): ModelPrice | undefined {
    return this.exact.get(model) ?? this.canonical.get(canonicalModel(model));
  }

  get size(): number {
    return this.exact.size;
  }
}

type CatalogRow = {
  id: string;
  provider: string;
  model: string;
  inputPricePerMTok: number;
  outputPricePerMTok: number;
  qualityScore: number;
  contextWindow: number;
  typicalLatencyMs: number | null;
  updatedAt: Date;
};

function toEntry(row: CatalogRow): ModelCatalogEntry {
  return {
    id: row.id,
    provider: row.provider,
    model: row.model,
    inputPricePerMTok: row.inputPricePerMTok,
    outputPricePerMTok: row.outputPricePerMTok,
    qualityScore: row.qualityScore,
    contextWindow: row.contextWindow,
    typicalLatencyMs: row.typicalLatencyMs,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * The model catalog. It is global — one price list for every workspace, because public prices are the same for
 * everyone — and only admins change it (the gateway checks the `admin` role; this service does not know HTTP).
 */
/** Per database client: the catalog as agents read it on every run, reloaded at most every PRICE_BOOK_TTL_MS. */
const snapshots = new WeakMap<Db, { entries: Promise<ModelCatalogEntry[]>; loadedAt: number }>();

export class CatalogService {
  private prices: { book: Promise<PriceBook>; loadedAt: number } | undefined;

  constructor(private readonly db: Db) {}

  /** Adds the seed models that are missing; never overwrites an entry an admin may have corrected. */
  async seed(): Promise<number> {
    const rows = CATALOG_SEED;
    const inserted = await this.db.$executeRaw`
      INSERT INTO model_catalog (provider, model, input_price_per_mtok, output_price_per_mtok, quality_score, context_window, typical_latency_ms, updated_at)
      SELECT * , now() FROM unnest(
        ${rows.map((r) => r.provider)}::text[],
        ${rows.map((r) => r.model)}::text[],
        ${rows.map((r) => r.inputPricePerMTok)}::float8[],
        ${rows.map((r) => r.outputPricePerMTok)}::float8[],
        ${rows.map((r) => r.qualityScore)}::float8[],
        ${rows.map((r) => r.contextWindow)}::int[],
        ${rows.map((r) => r.typicalLatencyMs ?? null)}::int[])
      ON CONFLICT (model) DO NOTHING`;
    return inserted;
  }

  async list(): Promise<ModelCatalogEntry[]> {
    const rows = await this.db.modelCatalogEntry.findMany({ orderBy: [{ provider: 'asc' }, { model: 'asc' }] });
    return rows.map(toEntry);
  }

  /**
   * The catalog for read-mostly callers (every run's agents): shared by all instances on the same client and
   * reloaded at most every PRICE_BOOK_TTL_MS, so a run does not query it; an admin's edit shows within the TTL.
   */
  snapshot(): Promise<ModelCatalogEntry[]> {
    const cached = snapshots.get(this.db);
    if (cached && Date.now() - cached.loadedAt <= PRICE_BOOK_TTL_MS) return cached.entries;
    const entries = this.list();
    snapshots.set(this.db, { entries, loadedAt: Date.now() });
    entries.catch(() => snapshots.delete(this.db));
    return entries;
  }

  /**
   * Current prices, reloaded at most every PRICE_BOOK_TTL_MS (and at once after a change made through this
   * instance; other processes see it within the TTL).
   */
  priceBook(): Promise<PriceBook> {
    if (!this.prices || Date.now() - this.prices.loadedAt > PRICE_BOOK_TTL_MS) {
      const book = this.db.modelCatalogEntry
        .findMany({ select: { provider: true, model: true, inputPricePerMTok: true, outputPricePerMTok: true } })
        .then((rows) => new PriceBook(rows));
      this.prices = { book, loadedAt: Date.now() };
      book.catch(() => {
        this.prices = undefined;
      });
    }
    return this.prices.book;
  }

  /** The catalog's prices as stored now (no cache): what a repricing compares. */
  private async loadBook(): Promise<PriceBook> {
    const rows = await this.db.modelCatalogEntry.findMany({ select: { provider: true, model: true, inputPricePerMTok: true, outputPricePerMTok: true } });
    return new PriceBook(rows);
  }

  /**
   * After a change of `changed` (its model name before and after): the stored event model names that were or are
   * now priced by it, grouped by their price now, and repriced (reprice.ts). A name no entry prices any more (the
   * entry was renamed) goes back to cost 0, as if it had been imported unpriced.
   */
  private async repriceAfter(before: PriceBook, after: PriceBook, changed: readonly string[]): Promise<RepriceResult> {
    const groups = new Map<string, RepriceGroup & { names: string[] }>();
    for (const name of await storedModelNames(this.db)) {
      const was = before.find(name);
      const now = after.find(name);
      if (!changed.includes(was?.model ?? '') && !changed.includes(now?.model ?? '')) continue;
      const input = now?.inputPricePerMTok ?? 0;
      const output = now?.outputPricePerMTok ?? 0;
      const key = `${input}/${output}`;
      const group = groups.get(key) ?? { names: [], inputPricePerMTok: input, outputPricePerMTok: output };
      group.names.push(name);
      groups.set(key, group);
    }
    return reprice(this.db, [...groups.values()]);
  }

  private forget(): void {
    this.prices = undefined;
    snapshots.delete(this.db);
  }

  /** Adds a model; events stored earlier under its name (unpriced, at $0) are priced now, rollups included. */
  async create(body: CreateModelBody): Promise<CatalogChange> {
    const before = await this.loadBook();
    let entry: ModelCatalogEntry;
    try {
      const row = await this.db.modelCatalogEntry.create({ data: { ...body, typicalLatencyMs: body.typicalLatencyMs ?? null } });
      this.forget();
      entry = toEntry(row);
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new ConflictError(`Model ${body.model} is already in the catalog`, { model: body.model });
      }
      throw error;
    }
    return { entry, repriced: await this.repriceAfter(before, await this.loadBook(), [entry.model]) };
  }

  /**
   * Corrects a model; when its prices or name change, the events priced from the catalog under it are repriced
   * (rollups included). Repricing is idempotent: if it fails after the correction was stored, sending the same
   * correction again completes it.
   */
  async update(id: string, body: UpdateModelBody): Promise<CatalogChange> {
    const before = await this.loadBook();
    const previous = await this.db.modelCatalogEntry.findUnique({ where: { id }, select: { model: true } });
    let entry: ModelCatalogEntry;
    try {
      const row = await this.db.modelCatalogEntry.update({ where: { id }, data: body });
      this.forget();
      entry = toEntry(row);
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') throw new NotFoundError('Model');
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new ConflictError(`Model ${body.model ?? ''} is already in the catalog`, { model: body.model });
      }
      throw error;
    }
    const priced = body.model !== undefined || body.inputPricePerMTok !== undefined || body.outputPricePerMTok !== undefined;
    const repriced = priced ? await this.repriceAfter(before, await this.loadBook(), [entry.model, previous?.model ?? entry.model]) : { events: 0, workspaces: 0 };
    return { entry, repriced };
  }
}

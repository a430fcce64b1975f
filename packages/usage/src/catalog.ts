import {
  ConflictError,
  NotFoundError,
  type CreateModelBody,
  type ModelCatalogEntry,
  type UpdateModelBody,
} from '@netra/contracts';
import { Prisma, type Db } from '@netra/db';
import { CATALOG_SEED } from './catalog-seed.js';

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

  async create(body: CreateModelBody): Promise<ModelCatalogEntry> {
    try {
      const row = await this.db.modelCatalogEntry.create({ data: { ...body, typicalLatencyMs: body.typicalLatencyMs ?? null } });
      this.prices = undefined;
      snapshots.delete(this.db);
      return toEntry(row);
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new ConflictError(`Model ${body.model} is already in the catalog`, { model: body.model });
      }
      throw error;
    }
  }

  async update(id: string, body: UpdateModelBody): Promise<ModelCatalogEntry> {
    try {
      const row = await this.db.modelCatalogEntry.update({ where: { id }, data: body });
      this.prices = undefined;
      snapshots.delete(this.db);
      return toEntry(row);
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') throw new NotFoundError('Model');
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new ConflictError(`Model ${body.model ?? ''} is already in the catalog`, { model: body.model });
      }
      throw error;
    }
  }
}

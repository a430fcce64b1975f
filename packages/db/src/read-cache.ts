import { AsyncLocalStorage } from 'node:async_hooks';

/** Whose usage a run reads, and as of which revision of it (the newest `usage_changes.seq`, '0' for none). */
export interface UsageReadScope {
  userId: string;
  revision: string;
}

export interface UsageReadCacheOptions {
  /** Results kept (least recently used dropped first). Default 1,000. */
  maxEntries?: number;
  /** A result with more rows than this is not kept (big workspaces: memory over round trips). Default 2,000. */
  maxRows?: number;
  /**
   * Rows kept in all, across results (least recently used dropped first): what bounds the memory, since a rollup
   * row with its histogram is up to ~1 KB. Default 50,000.
   */
  maxTotalRows?: number;
}

export interface UsageReadCacheStats {
  hits: number;
  misses: number;
  entries: number;
  rows: number;
}

interface Entry {
  rows: Promise<readonly Record<string, unknown>[]>;
  /** Rows held once loaded (0 while loading). */
  count: number;
}

const active = new AsyncLocalStorage<{ cache: UsageReadCache; scope: UsageReadScope }>();

/** What a kept result is keyed on besides its scope and day: a statement's name and parameters (sql.ts's SqlStatement). */
export interface KeyedStatement {
  readonly name: string;
  readonly values: readonly unknown[];
}

/**
 * The agents' reads of a user's usage rollups, kept per usage revision: a run asks the same questions of the same
 * rollups as the runs before it until an import, a repricing or a rebuild changes them, and each such statement
 * adds a `usage_changes` row (database triggers), which moves the revision the next claim returns. So a cached
 * answer is never older than the data the run was claimed against, and a workspace that did not change costs no
 * round trip per question.
 *
 * Only statements built with `sql(name, { usageRead: true })` are kept — ones whose result depends on nothing but
 * their parameters, the two rollup tables and the UTC day (which is part of the key) — and only inside `run()`
 * (a worker wraps a run's agents in it); everywhere else `querySql` goes to the database as always. Rows come back
 * frozen: they are shared by every run that hits them.
 */
export class UsageReadCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxRows: number;
  private readonly maxTotalRows: number;
  private rows = 0;
  private hits = 0;
  private misses = 0;

  constructor(options: UsageReadCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1_000;
    this.maxRows = options.maxRows ?? 2_000;
    this.maxTotalRows = options.maxTotalRows ?? 50_000;
  }

  /** Runs `work` with this cache serving the usage reads of `scope`'s user at `scope`'s revision. */
  run<T>(scope: UsageReadScope, work: () => Promise<T>): Promise<T> {
    return active.run({ cache: this, scope }, work);
  }

  get stats(): UsageReadCacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size, rows: this.rows };
  }

  /** The kept result of `statement`, or `load()`'s (kept unless it fails or is too big). Concurrent misses share one load. */
  read<Row extends Record<string, unknown>>(scope: UsageReadScope, statement: KeyedStatement, load: () => Promise<Row[]>): Promise<Row[]> {
    const key = [scope.userId, scope.revision, new Date().toISOString().slice(0, 10), statement.name, JSON.stringify(statement.values)].join('\u0000');
    const kept = this.entries.get(key);
    if (kept) {
      this.hits += 1;
      // Most recently used last: the first key of the map is the one to drop.
      this.entries.delete(key);
      this.entries.set(key, kept);
      return kept.rows as Promise<Row[]>;
    }
    this.misses += 1;
    const entry: Entry = { rows: Promise.resolve([]), count: 0 };
    const loading: Promise<readonly Record<string, unknown>[]> = load().then((rows) => {
      if (this.entries.get(key) === entry) {
        if (rows.length > this.maxRows) {
          this.entries.delete(key);
        } else {
          entry.count = rows.length;
          this.rows += rows.length;
          this.evict();
        }
      }
      return deepFreeze(rows);
    });
    entry.rows = loading;
    this.entries.set(key, entry);
    // A failed read is not an answer: the next run asks the database again. (The caller gets the error.)
    loading.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    this.evict();
    return loading as Promise<Row[]>;
  }

  /** Drops the least recently used results until both bounds hold. */
  private evict(): void {
    while (this.entries.size > this.maxEntries || this.rows > this.maxTotalRows) {
      const oldest = this.entries.entries().next();
      if (oldest.done) break;
      const [key, entry] = oldest.value;
      this.entries.delete(key);
      this.rows -= entry.count;
    }
  }
}

/**
 * Shared results must not change under another run: plain objects and arrays are frozen all the way down, so a
 * reader that tried to modify one would throw instead of corrupting the next run's answer. (Dates and buffers are
 * left as they are; typed arrays cannot be frozen.)
 */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (!Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}

/** The cache and scope `querySql` serves a `usageRead` statement from, if a worker opened one. */
export function activeUsageReads(): { cache: UsageReadCache; scope: UsageReadScope } | undefined {
  return active.getStore();
}

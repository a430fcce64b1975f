import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';

export interface DatabaseOptions {
  databaseUrl: string;
  /** Connections in this process's pool. Default 10. */
  poolSize?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * Prepare each statement once per connection. Default true. Off for a pooler that does not keep a server
   * connection per client (PgBouncer in transaction mode before 1.21).
   */
  preparedStatements?: boolean;
}

/** The pool under each client, for `querySql` (see sql.ts). Shared, so a process still holds one pool. */
const pools = new WeakMap<PrismaClient, { pool: pg.Pool; prepared: boolean }>();

/**
 * Distinct SQL texts a process prepares (per connection, on first use). Prisma's own engine kept a cache of 100
 * prepared statements; node-postgres never forgets one, so the count is capped here instead: the hot path has a
 * few dozen statements, and a text beyond the cap (say an `IN` list of a new length) simply runs unprepared.
 */
export const MAX_PREPARED_STATEMENTS = 500;

/** node-postgres's unnamed statement: parsed again at every execution, never kept. */
const UNNAMED = '';

/**
 * Names statements so that node-postgres prepares each once per connection and then only binds and executes it:
 * without a name every query is parsed and planned again by PostgreSQL.
 */
export function preparedStatementNames(limit = MAX_PREPARED_STATEMENTS): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return ({ sql: text }) => {
    let name = names.get(text);
    if (name === undefined) {
      if (names.size >= limit) return UNNAMED;
      name = `netra_${String(names.size)}`;
      names.set(text, name);
    }
    return name;
  };
}

/**
 * Prisma Client over node-postgres (`@prisma/adapter-pg`): no native engine, one pooled set of connections
 * per process. Callers own its lifecycle (`$disconnect` on shutdown, which also ends the pool).
 */
export function createPrismaClient(options: DatabaseOptions): PrismaClient {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'netra',
    // A dropped connection must not hang a request forever.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  const prepared = options.preparedStatements ?? true;
  const adapter = new PrismaPg(pool, { disposeExternalPool: true, ...(prepared ? { statementNameGenerator: preparedStatementNames() } : {}) });
  const client = new PrismaClient({ adapter });
  pools.set(client, { pool, prepared });
  return client;
}

/** The node-postgres pool a client from `createPrismaClient` runs on, and whether it prepares statements. */
export function poolOf(db: PrismaClient): { pool: pg.Pool; prepared: boolean } {
  const entry = pools.get(db);
  if (!entry) throw new Error('this PrismaClient was not made by createPrismaClient');
  return entry;
}

export type Db = PrismaClient;

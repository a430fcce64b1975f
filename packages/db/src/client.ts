import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';

export interface DatabaseOptions {
  databaseUrl: string;
  /** Connections in this process's pool. Default 10. */
  poolSize?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
}

/** The pool under each client, for `querySql` (see sql.ts). Shared, so a process still holds one pool. */
const pools = new WeakMap<PrismaClient, pg.Pool>();

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
  const client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(client, pool);
  return client;
}

/** The node-postgres pool a client from `createPrismaClient` runs on. */
export function poolOf(db: PrismaClient): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('this PrismaClient was not made by createPrismaClient');
  return pool;
}

export type Db = PrismaClient;

import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

export interface DatabaseOptions {
  databaseUrl: string;
  /** Connections in this process's pool. Default 10. */
  poolSize?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
  /** Entries of Prisma's query plan cache. Default 32 (see below). */
  queryPlanCacheMaxSize?: number;
}

/**
 * Prisma Client over node-postgres (`@prisma/adapter-pg`): no native engine, one pooled set of connections
 * per process. Callers own its lifecycle (`$disconnect` on shutdown).
 */
export function createPrismaClient(options: DatabaseOptions): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'netra',
    // A dropped connection must not hang a request forever.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // Prisma caches compiled plans by query — raw queries included, with their parameter values. A bulk insert's
  // parameter is a whole batch (~0.5 MB), so the default 128 entries would pin ~60 MB of old batches; 32 keeps
  // every hot query shape of an app cached while bounding that to ~15 MB.
  return new PrismaClient({ adapter, queryPlanCacheMaxSize: options.queryPlanCacheMaxSize ?? 32 });
}

export type Db = PrismaClient;

import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

export interface DatabaseOptions {
  databaseUrl: string;
  /** Connections in this process's pool. Default 10. */
  poolSize?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
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
  return new PrismaClient({ adapter });
}

export type Db = PrismaClient;

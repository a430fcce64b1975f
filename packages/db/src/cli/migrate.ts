#!/usr/bin/env node
// `npm run db:migrate`: creates the database if needed and applies pending migrations. Safe to run from several
// replicas at once (advisory lock). Exits non-zero, naming the migration, when one fails.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@netra/config';
import { configureLogging, errorFields, logger } from '@netra/observability';
import { migrate } from '../migrate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const MIGRATIONS_DIR = path.resolve(here, '../../../../prisma/migrations');

async function main(): Promise<void> {
  const { config } = loadConfig();
  configureLogging({ service: 'migrate', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const started = Date.now();
  const result = await migrate({
    databaseUrl: config.DATABASE_URL,
    migrationsDir: process.env.NETRA_MIGRATIONS_DIR ?? MIGRATIONS_DIR,
    log: (message, fields) => logger.info(message, fields),
  });
  logger.info('migrations up to date', {
    applied: result.applied,
    alreadyApplied: result.alreadyApplied,
    createdDatabase: result.createdDatabase,
    ms: Date.now() - started,
  });
}

main().catch((error: unknown) => {
  logger.error('migration failed', errorFields(error));
  process.exitCode = 1;
});

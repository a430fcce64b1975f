export { createPrismaClient, type Db, type DatabaseOptions } from './client.js';
export { DatabaseUnavailableError, isDatabaseUnavailable } from './errors.js';
export { sql, querySql, databaseReachable, transactionSql, type SqlStatement, type SqlQuery, type SqlOptions } from './sql.js';
export { UsageReadCache, type UsageReadScope, type UsageReadCacheOptions, type UsageReadCacheStats } from './read-cache.js';
export { migrate, readMigrations, ensureDatabase, dropDatabase, MigrationError, type MigrateOptions, type MigrateResult } from './migrate.js';
export { encodeCursor, decodeCursor, toPage, type KeysetCursor } from './pagination.js';
export { Prisma, PrismaClient } from './generated/prisma/client.js';
export type * from './generated/prisma/models.js';
export { MessageRole, RunStatus as DbRunStatus, StepStatus as DbStepStatus, UsageStatus } from './generated/prisma/enums.js';

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { dropDatabase, migrate } from '@netra/db';
import { MIGRATIONS_DIR, ROOT } from './paths.js';

export const PG_BASE = process.env.TEST_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export { ROOT };

/** A database and a Redis key prefix of the test's own, so test files run in parallel and clean up after. */
export interface TestEnv {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  /** Environment for the gateway/worker processes of this test. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function createTestEnv(name: string, extraEnv: Record<string, string> = {}, pgBase = PG_BASE): Promise<TestEnv> {
  const id = `${name.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = `${pgBase}/netra_t_${id}`;
  const prefix = `t_${id}`;
  await migrate({ databaseUrl, migrationsDir: MIGRATIONS_DIR });
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    // debug: tests wait on the per-run lines (run started, message accepted), which production logs at debug.
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'debug',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '5',
    REDIS_URL,
    REDIS_PREFIX: prefix,
    JWT_SECRET: TEST_JWT_SECRET,
    PORT: '0',
    HOST: '127.0.0.1',
    WORKER_HTTP_PORT: '0',
    SHUTDOWN_GRACE_MS: '3000',
    ...extraEnv,
  };
  return {
    databaseUrl,
    redisUrl: REDIS_URL,
    prefix,
    env,
    async cleanup() {
      await dropDatabase(databaseUrl);
      await deleteKeys(REDIS_URL, `${prefix}:*`);
    },
  };
}

export const TEST_JWT_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

export async function deleteKeys(redisUrl: string, pattern: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

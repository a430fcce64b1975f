import { Redis } from 'ioredis';
import { createRunQueue, RedisNames, RunEventLog, type RunQueue } from '@netra/bus';
import { createPrismaClient, type Db } from '@netra/db';
import { RunEngine } from '@netra/runs';
import { createTestEnv, type TestEnv } from './services.js';

/** A run engine in the test's process, on a database and Redis prefix of the test's own (tests of the engine and its callers). */
export interface EngineHarness {
  env: TestEnv;
  db: Db;
  redis: Redis;
  queue: RunQueue;
  events: RunEventLog;
  engine: RunEngine;
  /** Closes the connections and drops the database and keys; safe after a failed start. */
  close(): Promise<void>;
}

export async function createEngineHarness(name: string): Promise<EngineHarness> {
  const env = await createTestEnv(name);
  const db = createPrismaClient({ databaseUrl: env.databaseUrl, poolSize: 4 });
  const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
  const names = new RedisNames(env.prefix);
  const queue = createRunQueue(redis, names);
  const events = new RunEventLog(redis, names, { retentionSeconds: 3_600, maxLen: 1_000 });
  const engine = new RunEngine({ db, queue, events, redis, names, maxAttempts: 3 });
  return {
    env,
    db,
    redis,
    queue,
    events,
    engine,
    close: async () => {
      await queue.close();
      redis.disconnect();
      await db.$disconnect();
      await env.cleanup();
    },
  };
}

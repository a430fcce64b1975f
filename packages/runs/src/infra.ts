import type { Config } from '@netra/config';
import { createRedis, createRunQueue, RedisNames, RunEventLog, waitForRedis, type Redis, type RedisRole, type RunQueue } from '@netra/bus';
import { createPrismaClient, querySql, sql, type Db } from '@netra/db';
import { RunEngine } from './engine.js';

/** Which app the connections are for: names them in CLIENT LIST and pg_stat_activity, and picks the main role. */
export type InfraRole = 'gateway' | 'worker';

/**
 * What both apps stand on: the PostgreSQL pool, the main Redis connection, the names, the run queue, the event
 * log and the run engine — built one way, closed one way.
 */
export interface Infra {
  readonly config: Config;
  readonly names: RedisNames;
  readonly db: Db;
  /**
   * The main Redis connection: fail-fast `request` role in the gateway (a request never hangs on Redis),
   * `durable` in the worker (run events and queue commands wait for a reconnect instead of failing a run).
   */
  readonly redis: Redis;
  readonly queue: RunQueue;
  readonly events: RunEventLog;
  readonly engine: RunEngine;
  /** Another connection (a subscriber, BullMQ's blocking one, …), ready when returned and closed by `close()`. */
  connection(role: RedisRole, label: string): Promise<Redis>;
  /** Closes the queue, every connection and the pool. Safe to call once everything above it has stopped. */
  close(): Promise<void>;
}

/**
 * Connects to PostgreSQL and Redis (waiting until both answer) and builds the shared pieces. On a start-up failure
 * whatever was opened is closed again before the error goes on.
 */
export async function createInfra(config: Config, role: InfraRole): Promise<Infra> {
  const names = new RedisNames(config.REDIS_PREFIX);
  const db = createPrismaClient({
    databaseUrl: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
    applicationName: `netra-${role}`,
  });
  const connections: Redis[] = [];
  const open = (connectionRole: RedisRole, label: string): Redis => {
    const redis = createRedis(config.REDIS_URL, { role: connectionRole, name: `${config.REDIS_PREFIX}:${label}:${process.pid}` });
    connections.push(redis);
    return redis;
  };
  let queue: RunQueue | undefined;
  const close = async () => {
    await queue?.close();
    await Promise.allSettled([...connections.map((c) => c.quit()), db.$disconnect()]);
  };
  try {
    const redis = open(role === 'gateway' ? 'request' : 'durable', role);
    await Promise.all([waitForRedis(redis), querySql(db, sql('infra_ping')`SELECT 1 AS ok`)]);
    queue = createRunQueue(redis, names);
    const events = new RunEventLog(redis, names, { retentionSeconds: config.EVENT_RETENTION_SECONDS, maxLen: config.EVENT_LOG_MAXLEN });
    const engine = new RunEngine({ db, queue, events, redis, names, maxAttempts: config.RUN_MAX_ATTEMPTS });
    return {
      config,
      names,
      db,
      redis,
      queue,
      events,
      engine,
      async connection(connectionRole, label) {
        const extra = open(connectionRole, `${role}-${label}`);
        await waitForRedis(extra);
        return extra;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

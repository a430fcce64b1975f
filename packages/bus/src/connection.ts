import { Redis, type RedisOptions } from 'ioredis';
import { errorFields, logger } from '@netra/observability';

/**
 * What a connection is for decides how it behaves while Redis is away:
 * - `blocking`: BullMQ workers and pub/sub subscribers. Commands wait for the reconnect (BullMQ requires
 *   `maxRetriesPerRequest: null` here); ioredis resubscribes channels by itself.
 * - `durable`: writes that must not be lost (a worker publishing run events): queued until Redis is back.
 * - `request`: work done for a waiting client (gateway enqueue, replay, tickets): fail fast, so the client
 *   gets a clear `unavailable` error instead of a hung request.
 */
export type RedisRole = 'blocking' | 'durable' | 'request';

export interface RedisConnectionOptions {
  role: RedisRole;
  /** Shown in `CLIENT LIST`. */
  name?: string;
}

function retryStrategy(times: number): number {
  // Exponential backoff with jitter, capped at 2 s: a restarted Redis is found again within ~2 s.
  const base = Math.min(2_000, 50 * 2 ** Math.min(times, 10));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/** The one Redis connection factory. Callers own the connection (`quit()` on close). */
export function createRedis(url: string, options: RedisConnectionOptions): Redis {
  const common: RedisOptions = {
    retryStrategy,
    connectionName: options.name,
    // Reconnect when a failover turns the node read-only.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
  };
  const byRole: Record<RedisRole, RedisOptions> = {
    blocking: { maxRetriesPerRequest: null, enableOfflineQueue: true },
    durable: { maxRetriesPerRequest: null, enableOfflineQueue: true },
    request: { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000, commandTimeout: 5_000 },
  };
  const redis = new Redis(url, { ...common, ...byRole[options.role] });
  // Without a listener ioredis prints every failed reconnect attempt; log the first of each outage instead.
  let down = false;
  redis.on('error', (error) => {
    if (down) return;
    down = true;
    logger.warn('redis connection error; reconnecting', { connection: options.name, role: options.role, ...errorFields(error) });
  });
  redis.on('ready', () => {
    if (down) logger.info('redis connection restored', { connection: options.name, role: options.role });
    down = false;
  });
  return redis;
}

/** Resolves once the connection is ready (or rejects after `timeoutMs`). */
export async function waitForRedis(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

export type { Redis };

/** Socket errnos of a Redis connection that failed or dropped. */
const REDIS_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * ioredis rejects a command on a connection that is down with untyped `Error`s whose messages are fixed strings
 * of the library (utils CONNECTION_CLOSED_ERROR_MSG, Redis.js and Command.js): the only place in Netra that looks
 * at message text, kept here beside the connection factory and compared whole, never by pattern.
 */
const IOREDIS_DOWN = new Set([
  'Connection is closed.',
  "Stream isn't writeable and enableOfflineQueue options is false",
  'Command timed out',
]);

/** Whether an error means Redis is down or unreachable right now (retry shortly), not that the request was wrong. */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && REDIS_ERRNO.has(code)) return true;
  return IOREDIS_DOWN.has(error.message);
}

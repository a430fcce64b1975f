import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimitedError } from '@netra/contracts';
import { RedisNames, waitForRedis } from '@netra/bus';
import { configSchema } from '@netra/config';
import { Limiter, leaseSize } from '../src/security/rate-limits.js';
import { deleteKeys, REDIS_URL } from '../../../test/support/services.js';

/**
 * A leased per-user limit against the real Redis, as two gateway replicas plus an unleased path (one point per
 * request) share it; and its fallback when Redis is unreachable. The exact, one-point-per-request behaviour of
 * small budgets is covered end to end by test/integration/security-limits.test.ts.
 */
const prefix = `test-limits-${randomUUID().slice(0, 8)}`;
const names = new RedisNames(prefix);
const connections: Redis[] = [];
async function connect(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  connections.push(redis);
  // Until then the limiter would count in memory (the outage fallback).
  await waitForRedis(redis);
  return redis;
}

afterAll(async () => {
  for (const redis of connections) redis.disconnect();
  await deleteKeys(REDIS_URL, `${prefix}:*`);
});

/** Consumes until refused; the number that passed and the refusal. */
async function drain(limiter: Limiter, key: string, most = 10_000): Promise<{ passed: number; refusal: unknown }> {
  for (let passed = 0; passed < most; passed += 1) {
    try {
      await limiter.consume(key);
    } catch (refusal) {
      return { passed, refusal };
    }
  }
  return { passed: most, refusal: undefined };
}

describe('leaseSize', () => {
  it('takes at most 1/40 of the budget per call, and no lease under 80 points', () => {
    expect(leaseSize({ points: 1_200, durationSeconds: 60 }, 100)).toBe(30);
    expect(leaseSize({ points: 1_200, durationSeconds: 60 }, 10)).toBe(10);
    expect(leaseSize({ points: 999_999_999, durationSeconds: 60 }, 100)).toBe(100);
    expect(leaseSize({ points: 120, durationSeconds: 60 }, 10)).toBe(3);
    expect(leaseSize({ points: 79, durationSeconds: 60 }, 10)).toBe(1);
    expect(leaseSize({ points: 15, durationSeconds: 4 }, 10)).toBe(1);
    expect(leaseSize({ points: 1_200, durationSeconds: 60 }, 1)).toBe(1);
  });

  it('leaves the block to the 1/40 share under the default cap, up to 40,000,000 points a window', () => {
    const cap = configSchema.shape.RATE_LIMIT_LEASE.parse(undefined);
    expect(leaseSize({ points: 1_200, durationSeconds: 60 }, cap)).toBe(30);
    expect(leaseSize({ points: 100_000, durationSeconds: 60 }, cap)).toBe(2_500);
    expect(leaseSize({ points: 40_000_000, durationSeconds: 60 }, cap)).toBe(1_000_000);
    expect(leaseSize({ points: 999_999_999, durationSeconds: 60 }, cap)).toBe(1_000_000);
  });
});

describe('a leased limit in Redis', () => {
  it('holds the budget across two replicas and an unleased client: never over it, short of it by at most 1.5 blocks per replica', async () => {
    const limit = { points: 800, durationSeconds: 60 };
    const replicas = [new Limiter('user_requests', limit, await connect(), names, 10), new Limiter('user_requests', limit, await connect(), names, 10)];
    const exact = new Limiter('user_requests', limit, await connect(), names, 1);
    const results = await Promise.all([...replicas, exact].map((l) => drain(l, 'u1')));
    const passed = results.reduce((n, r) => n + r.passed, 0);
    expect(passed).toBeLessThanOrEqual(800);
    expect(passed).toBeGreaterThanOrEqual(800 - 2 * 15);
    for (const { refusal } of results) {
      expect(refusal).toBeInstanceOf(RateLimitedError);
      expect(refusal).toMatchObject({ code: 'rate_limited' });
      const { retryAfterMs } = refusal as RateLimitedError;
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    }
    // Another user's budget is untouched.
    expect((await drain(replicas[0]!, 'u2', 50)).passed).toBe(50);
  });

  it('counts its blocks under the key and window rate-limiter-flexible keeps, so both read the same count', async () => {
    const limit = { points: 400, durationSeconds: 60 };
    const redis = await connect();
    const leased = new Limiter('user_requests', limit, redis, names, 10);
    const exact = new Limiter('user_requests', limit, await connect(), names, 1);
    const { passed, refusal } = await drain(leased, 'u4');
    expect(passed).toBeLessThanOrEqual(400);
    expect(passed).toBeGreaterThanOrEqual(400 - 15);
    expect(refusal).toMatchObject({ code: 'rate_limited' });
    // The unleased path (rate-limiter-flexible) sees the budget spent, in the same window.
    await expect(exact.assertAvailable('u4')).rejects.toMatchObject({ code: 'rate_limited' });
    const key = `${names.rateLimit('user_requests')}:u4`;
    expect(Number(await redis.get(key))).toBeGreaterThanOrEqual(400);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('falls back to a per-process budget in memory when Redis is unreachable, still leased and still refusing', async () => {
    const offline = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    connections.push(offline);
    const limiter = new Limiter('user_messages', { points: 120, durationSeconds: 60 }, offline, names, 10);
    const { passed, refusal } = await drain(limiter, 'u3');
    expect(passed).toBe(120);
    expect(refusal).toMatchObject({ code: 'rate_limited' });
  });
});

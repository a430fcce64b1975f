import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '@netra/contracts';
import type { RateLimit } from '@netra/config';
import type { Redis, RedisNames } from '@netra/bus';
import { logger, metrics } from '@netra/observability';
import { securityEvent } from './audit.js';

/** The limiters. A fixed list: it is also the `limiter` label of `netra_rate_limit_rejections_total`. */
export type LimiterName = 'ip_requests' | 'user_requests' | 'ip_upgrades' | 'user_messages' | 'ip_auth_failures';

const REFUSAL: Record<LimiterName, string> = {
  ip_requests: 'Too many requests from this address',
  user_requests: 'Too many requests for this user',
  ip_upgrades: 'Too many WebSocket connections opened from this address',
  user_messages: 'Too many messages for this user',
  ip_auth_failures: 'Too many failed authentication attempts from this address',
};

const log = logger.child({ component: 'rate-limits' });

/**
 * One fixed-window limit counted in Redis (one Lua INCR + PTTL per call), so every gateway replica shares it.
 *
 * Redis unreachable: each limiter falls back to an in-memory `insuranceLimiter` with the same budget, per
 * process. Failing open would remove brute-force and flood protection exactly when an attacker has knocked
 * Redis over; failing closed would turn a Redis blip into a refusal of every request, including reads that
 * only need Postgres. In memory, the limits stay real (at most N× looser with N gateways) until Redis is back.
 *
 * Keys already past their budget are also blocked in this process's memory until the window ends, so a flood
 * costs one Redis round trip per key and window, not one per request.
 */
export class Limiter {
  private readonly store: RateLimiterRedis | undefined;
  private readonly redis: Redis;
  private fellBack = false;

  constructor(
    readonly name: LimiterName,
    readonly limit: RateLimit | null,
    redis: Redis,
    names: RedisNames,
  ) {
    this.redis = redis;
    if (!limit) return;
    const keyPrefix = names.rateLimit(name);
    this.store = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points: limit.points,
      duration: limit.durationSeconds,
      inMemoryBlockOnConsumed: limit.points + 1,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix, points: limit.points, duration: limit.durationSeconds }),
    });
  }

  get enabled(): boolean {
    return this.store !== undefined;
  }

  /** Takes one point for `key`; throws `rate_limited` (with the time until the window resets) when none is left. */
  async consume(key: string, context: Record<string, unknown> = {}): Promise<void> {
    if (!this.store) return;
    this.noteBackend();
    try {
      await this.store.consume(key);
    } catch (error) {
      throw this.refusal(error, key, context);
    }
  }

  /**
   * Throws `rate_limited` when `key` has already used its budget, without taking a point (the failed-auth
   * limit: only failures cost, but every attempt is refused while the address is over).
   */
  async assertAvailable(key: string): Promise<void> {
    if (!this.store || !this.limit) return;
    this.noteBackend();
    const res = await this.store.get(key);
    if (res && res.consumedPoints >= this.limit.points) {
      metrics.rateLimitRejections.inc({ limiter: this.name });
      throw new RateLimitedError(Math.max(1, res.msBeforeNext), REFUSAL[this.name]);
    }
  }

  /** Takes one point for `key` without refusing anything; true when this point used up the budget. */
  async penalize(key: string): Promise<boolean> {
    if (!this.store || !this.limit) return false;
    this.noteBackend();
    try {
      const res = await this.store.consume(key);
      return res.consumedPoints === this.limit.points;
    } catch (error) {
      if (error instanceof RateLimiterRes) return false;
      throw error;
    }
  }

  private refusal(error: unknown, key: string, context: Record<string, unknown>): unknown {
    if (!(error instanceof RateLimiterRes)) return error;
    metrics.rateLimitRejections.inc({ limiter: this.name });
    // One audit line per key and window (the first refusal), not one per request of a flood; the counter
    // above counts them all.
    if (this.limit && error.consumedPoints === this.limit.points + 1) {
      securityEvent('rate_limited', { limiter: this.name, key, retryAfterMs: error.msBeforeNext, ...context });
    }
    return new RateLimitedError(Math.max(1, error.msBeforeNext), REFUSAL[this.name]);
  }

  /** Says once per outage that limits are per-process for now (ioredis itself logs the connection error). */
  private noteBackend(): void {
    const down = this.redis.status !== 'ready';
    if (down && !this.fellBack) log.warn('Redis unreachable: rate limits fall back to per-process memory', { limiter: this.name });
    else if (!down && this.fellBack) log.info('Redis back: rate limits shared across gateways again', { limiter: this.name });
    this.fellBack = down;
  }
}

export interface RateLimitSettings {
  RATE_LIMIT_IP_REQUESTS: RateLimit | null;
  RATE_LIMIT_USER_REQUESTS: RateLimit | null;
  RATE_LIMIT_IP_UPGRADES: RateLimit | null;
  RATE_LIMIT_USER_MESSAGES: RateLimit | null;
  RATE_LIMIT_IP_AUTH_FAILURES: RateLimit | null;
}

/** Every limit of the gateway, built once from the configuration. */
export class RateLimits {
  readonly ipRequests: Limiter;
  readonly userRequests: Limiter;
  readonly ipUpgrades: Limiter;
  readonly userMessages: Limiter;
  readonly ipAuthFailures: Limiter;

  constructor(settings: RateLimitSettings, redis: Redis, names: RedisNames) {
    this.ipRequests = new Limiter('ip_requests', settings.RATE_LIMIT_IP_REQUESTS, redis, names);
    this.userRequests = new Limiter('user_requests', settings.RATE_LIMIT_USER_REQUESTS, redis, names);
    this.ipUpgrades = new Limiter('ip_upgrades', settings.RATE_LIMIT_IP_UPGRADES, redis, names);
    this.userMessages = new Limiter('user_messages', settings.RATE_LIMIT_USER_MESSAGES, redis, names);
    this.ipAuthFailures = new Limiter('ip_auth_failures', settings.RATE_LIMIT_IP_AUTH_FAILURES, redis, names);
  }
}

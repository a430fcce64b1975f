import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '@netra/contracts';
import type { RateLimit } from '@netra/config';
import type { Redis, RedisNames } from '@netra/bus';
import { errorFields, logger, metrics } from '@netra/observability';
import { securityEvent } from './audit.js';
import { OutOfPoints, PointLease, type Counted } from './lease.js';

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
const NO_CONTEXT: Record<string, unknown> = Object.freeze({});

/**
 * A leased limit takes at most 1/40 of its budget per Redis call, so what one replica holds unspent (< 1.5 blocks,
 * see PointLease) stays a small part of the budget (≤ 3.75 %): the defaults 1,200/60 → blocks of 30, 120/60 → 3;
 * a budget under 80 points is counted one request at a time, exactly as without leases. RATE_LIMIT_LEASE caps the
 * block (1 turns leasing off); its default, 1,000,000, leaves the share in charge up to 40,000,000 points a window.
 * It was 1,000 until 2026-12-04 (fifth session), which added nothing to the bound above and cost a refill every
 * 500–1,000 frames of a large budget: a refill writes to Redis from the event loop, 0.12–0.4 ms of it on this
 * 2-core VM (most of it the loopback write that wakes Redis: a bare `socket.write` of one INCR took ~135 µs after
 * 30 ms of quiet), and the frames in flight wait for it — the ping RTT p99 of a gateway with blocks of 1,000 was
 * a median 1.27× a bare server's (1.02–1.46×, 8 runs), 1.00× (0.93–1.14×) with blocks of 1,000,000 in the same
 * runs (docs/BENCHMARKS.md, fifth session).
 */
const LEASE_SHARE = 40;

/**
 * rate-limiter-flexible's fixed-window increment (its `incrTtlLuaScript`, 11.x), which the leases run as one script
 * call without the library around it: the window starts at the first increment and lasts ARGV[2] seconds; returns
 * the count after adding ARGV[1] and the window's milliseconds left. Through rate-limiter-flexible a refill held
 * the gateway's event loop ~0.3–0.5 ms (its promise wrappers and insurance layer on top of ioredis, all cold code),
 * during which the pings in flight waited: the leased gateway's ping RTT p99 was 1.8× (median of 11 runs) a bare
 * server's, 1.15× with this script (docs/BENCHMARKS.md, 2026-12-04, fourth session).
 */
const INCREMENT_SCRIPT = `redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX')
local consumed = redis.call('incrby', KEYS[1], ARGV[1])
local ttl = redis.call('pttl', KEYS[1])
if ttl == -1 then
  redis.call('expire', KEYS[1], ARGV[2])
  ttl = 1000 * ARGV[2]
end
return {consumed, ttl}`;

interface IncrementCommand {
  netraRateLimitIncrement(key: string, points: number, durationSeconds: number): Promise<[number, number]>;
}

/** The block size of a leased limit: 1 (no lease) when the budget is too small to split. */
export function leaseSize(limit: RateLimit, maxLease: number): number {
  const size = Math.min(maxLease, Math.floor(limit.points / LEASE_SHARE));
  return size >= 2 ? size : 1;
}

/**
 * One fixed-window limit counted in Redis (one Lua INCR + PTTL per call), so every gateway replica shares it.
 *
 * Redis unreachable: each limiter falls back to an in-memory `insuranceLimiter` with the same budget, per
 * process. Failing open would remove brute-force and flood protection exactly when an attacker has knocked
 * Redis over; failing closed would turn a Redis blip into a refusal of every request, including reads that
 * only need Postgres. In memory, the limits stay real (at most N× looser with N gateways) until Redis is back.
 *
 * Keys already past their budget are also blocked in this process's memory until the window ends, so a flood
 * costs one Redis round trip per key and window, not one per request (a leased limit: its lease, which takes no
 * block before the window's end once the count has reached the budget).
 */
export class Limiter {
  private readonly store: RateLimiterRedis | undefined;
  private readonly insurance: RateLimiterMemory | undefined;
  private readonly redis: Redis;
  private readonly lease: PointLease<Record<string, unknown>> | undefined;
  private fellBack = false;

  /**
   * `maxLease` > 1: `consume` takes points from Redis in blocks (see `leaseSize` and PointLease) and spends them
   * in this process, so most requests make no Redis round trip; `assertAvailable` and `penalize` still count
   * one point per call in Redis.
   */
  constructor(
    readonly name: LimiterName,
    readonly limit: RateLimit | null,
    redis: Redis,
    names: RedisNames,
    maxLease = 1,
  ) {
    this.redis = redis;
    if (!limit) return;
    const keyPrefix = names.rateLimit(name);
    this.insurance = new RateLimiterMemory({ keyPrefix, points: limit.points, duration: limit.durationSeconds });
    this.store = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points: limit.points,
      duration: limit.durationSeconds,
      inMemoryBlockOnConsumed: limit.points + 1,
      rejectIfRedisNotReady: true,
      insuranceLimiter: this.insurance,
    });
    const size = leaseSize(limit, maxLease);
    if (size > 1) {
      if (!('netraRateLimitIncrement' in redis)) redis.defineCommand('netraRateLimitIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
      this.lease = new PointLease({
        points: limit.points,
        size,
        take: (key, points, context) => this.take(key, points, context),
        onBackgroundError: (error, key) => log.warn('could not lease budget points ahead of need', { limiter: name, key, ...errorFields(error) }),
      });
    }
  }

  get enabled(): boolean {
    return this.store !== undefined;
  }

  /** Takes one point for `key`; throws `rate_limited` (with the time until the window resets) when none is left. */
  async consume(key: string, context: Record<string, unknown> = {}): Promise<void> {
    if (!this.store) return;
    if (this.lease) {
      try {
        await this.lease.spend(key, context);
      } catch (error) {
        if (!(error instanceof OutOfPoints)) throw error;
        metrics.rateLimitRejections.inc({ limiter: this.name });
        throw new RateLimitedError(error.msBeforeNext, REFUSAL[this.name]);
      }
      return;
    }
    this.noteBackend();
    try {
      await this.store.consume(key);
    } catch (error) {
      throw this.refusal(error, key, context);
    }
  }

  /**
   * Takes one point for `key` if this process holds one (a leased limit), without waiting for anything; false
   * when the caller has to `consume`. For the WebSocket frame path, where a promise per frame shows. (A block
   * taken ahead from here is audited with the key alone: the key is the user.)
   */
  tryConsumeNow(key: string): boolean {
    if (!this.store) return true;
    return this.lease?.trySpend(key, NO_CONTEXT) ?? false;
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

  /** A block of `points` for the lease: the count after adding them, whether or not it passed the budget. */
  private async take(key: string, points: number, context: Record<string, unknown>): Promise<Counted> {
    if (!this.store || !this.limit || !this.insurance) throw new Error('a lease needs a limit');
    this.noteBackend();
    let counted: Counted;
    try {
      counted = await this.increment(this.store, this.limit, key, points);
    } catch (error) {
      // Redis unreachable or failing: the per-process budget in memory, as rate-limiter-flexible's insurance does.
      // Unreachable is logged once by noteBackend; a failing script while Redis is up is logged here (one per block).
      if (this.redis.status === 'ready') log.warn('rate limit refill failed; counting in this process', { limiter: this.name, key, ...errorFields(error) });
      counted = await this.counted(this.insurance.consume(key, points));
    }
    // The block that carried the count past the budget is unique across replicas: one audit line per key and
    // window, as with one point per request.
    const before = counted.consumed - points;
    if (before >= 0 && before <= this.limit.points && counted.consumed > this.limit.points) {
      securityEvent('rate_limited', { limiter: this.name, key, retryAfterMs: counted.msBeforeNext, ...context });
    }
    return counted;
  }

  /**
   * The store's increment as one script call, without rate-limiter-flexible around it: rate-limiter-flexible's
   * own script, on its key, so `get`/`consume` of the same key (and replicas of an earlier version) count in the
   * same window. Throws when Redis is not ready (the caller counts in memory then, as rate-limiter-flexible would).
   */
  private async increment(store: RateLimiterRedis, limit: RateLimit, key: string, points: number): Promise<Counted> {
    if (this.redis.status !== 'ready') throw new Error('Redis connection is not ready');
    const [consumed, ttlMs] = await (this.redis as Redis & IncrementCommand).netraRateLimitIncrement(store.getKey(key), points, limit.durationSeconds);
    return { consumed, msBeforeNext: ttlMs };
  }

  /** rate-limiter-flexible's answer, refused or not, as a count. */
  private async counted(result: Promise<RateLimiterRes>): Promise<Counted> {
    let res: RateLimiterRes;
    try {
      res = await result;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      res = error;
    }
    return { consumed: res.consumedPoints, msBeforeNext: res.msBeforeNext };
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
  /** Most points of a per-user budget one Redis call takes (1: one call per request). */
  RATE_LIMIT_LEASE: number;
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
    // The per-user limits sit on the path of every WebSocket frame and every message: leased. The others see one
    // request per HTTP call or upgrade and stay exact.
    this.userRequests = new Limiter('user_requests', settings.RATE_LIMIT_USER_REQUESTS, redis, names, settings.RATE_LIMIT_LEASE);
    this.ipUpgrades = new Limiter('ip_upgrades', settings.RATE_LIMIT_IP_UPGRADES, redis, names);
    this.userMessages = new Limiter('user_messages', settings.RATE_LIMIT_USER_MESSAGES, redis, names, settings.RATE_LIMIT_LEASE);
    this.ipAuthFailures = new Limiter('ip_auth_failures', settings.RATE_LIMIT_IP_AUTH_FAILURES, redis, names);
  }
}

import type { Redis } from 'ioredis';
import { WorkerBreakers, type BreakerStatus, type LlmCacheStats } from '@netra/contracts';
import type { RedisNames } from './names.js';

/** A worker that has not reported for this long is gone (it reports every few seconds while alive). */
const STALE_AFTER_MS = 30_000;

/**
 * The Redis side of LLM operations, shared by workers (who own the cache and the breakers) and gateways (whose
 * admin API reports and controls them without importing any LLM or agent code):
 * - breakers live in worker processes; each worker publishes their states into one hash, on every change and on
 *   a heartbeat, and removes its entry on shutdown;
 * - cache hit/miss counters live in a Redis hash every worker increments, so the numbers are fleet-wide.
 */
export class LlmOps {
  constructor(
    private readonly redis: Redis,
    private readonly names: RedisNames,
  ) {}

  async publishBreakers(worker: string, breakers: BreakerStatus[]): Promise<void> {
    const report: WorkerBreakers = { worker, reportedAt: new Date().toISOString(), breakers };
    await this.redis.hset(this.names.llmBreakers, worker, JSON.stringify(report));
  }

  async removeWorker(worker: string): Promise<void> {
    await this.redis.hdel(this.names.llmBreakers, worker);
  }

  /** Every live worker's last report; entries of workers that stopped reporting are dropped. */
  async breakers(now = Date.now()): Promise<WorkerBreakers[]> {
    const all = await this.redis.hgetall(this.names.llmBreakers);
    const live: WorkerBreakers[] = [];
    const stale: string[] = [];
    for (const [worker, raw] of Object.entries(all)) {
      const parsed = WorkerBreakers.safeParse(JSON.parse(raw));
      if (parsed.success && now - Date.parse(parsed.data.reportedAt) < STALE_AFTER_MS) live.push(parsed.data);
      else stale.push(worker);
    }
    if (stale.length > 0) await this.redis.hdel(this.names.llmBreakers, ...stale);
    return live.sort((a, b) => a.worker.localeCompare(b.worker));
  }

  /** Cache size (counted with SCAN, bounded by `countLimit`) and fleet-wide hit/miss counters. */
  async cacheStats(countLimit = 100_000): Promise<LlmCacheStats> {
    let entries = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.names.llmCacheAll, 'COUNT', 1_000);
      cursor = next;
      entries += keys.length;
    } while (cursor !== '0' && entries < countLimit);
    const counters = await this.redis.hgetall(this.names.llmCacheStats);
    const hits = Number(counters.hit ?? 0);
    const misses = Number(counters.miss ?? 0);
    return {
      entries: Math.min(entries, countLimit),
      truncated: cursor !== '0',
      hits,
      misses,
      hitRate: hits + misses === 0 ? null : hits / (hits + misses),
    };
  }

  /** Deletes every cached answer (SCAN + UNLINK in batches, never one blocking KEYS) and resets the counters. */
  async clearCache(): Promise<number> {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.names.llmCacheAll, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) deleted += await this.redis.unlink(...keys);
    } while (cursor !== '0');
    await this.redis.del(this.names.llmCacheStats);
    return deleted;
  }
}

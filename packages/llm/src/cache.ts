import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { errorFields, logger, metrics } from '@netra/observability';
import type { LlmRequest, ProviderAnswer } from './types.js';

/** Where cache keys live; `@netra/bus` RedisNames.llmCache in the apps. */
export type CacheKeyName = (hash: string) => string;

/** sha256 of everything that decides the answer: provider, model, messages and generation parameters. */
export function cacheKey(provider: string, model: string, request: LlmRequest): string {
  const material = JSON.stringify({
    provider,
    model,
    messages: request.messages,
    params: { temperature: request.temperature ?? null, maxTokens: request.maxTokens ?? null, json: request.json ?? false, tools: request.tools ?? null },
  });
  return createHash('sha256').update(material).digest('hex');
}

export interface LlmCache {
  get(key: string): Promise<ProviderAnswer | undefined>;
  set(key: string, answer: ProviderAnswer): Promise<void>;
}

/**
 * Answers of remote models in Redis, for `ttlSeconds`. Only complete, accepted answers are stored (the client
 * decides); a Redis failure is logged and counted, and the call goes on uncached — the cache must never be the
 * reason a run fails.
 */
export class RedisLlmCache implements LlmCache {
  private readonly log = logger.child({ component: 'llm-cache' });

  constructor(
    private readonly redis: Redis,
    private readonly name: CacheKeyName,
    private readonly ttlSeconds: number,
    /** Hash of fleet-wide hit/miss counters (the admin API reads it). */
    private readonly statsKey?: string,
  ) {}

  async get(key: string): Promise<ProviderAnswer | undefined> {
    try {
      const raw = await this.redis.get(this.name(key));
      // Fleet-wide counters for the admin API; counting must neither slow the call down nor fail it.
      if (this.statsKey) void this.redis.hincrby(this.statsKey, raw === null ? 'miss' : 'hit', 1).catch((error: unknown) => this.log.warn('LLM cache stats not counted', errorFields(error)));
      metrics.llmCache.inc({ result: raw === null ? 'miss' : 'hit' });
      return raw === null ? undefined : (JSON.parse(raw) as ProviderAnswer);
    } catch (error) {
      metrics.llmCache.inc({ result: 'error' });
      this.log.warn('LLM cache read failed; calling the model', errorFields(error));
      return undefined;
    }
  }

  async set(key: string, answer: ProviderAnswer): Promise<void> {
    try {
      await this.redis.set(this.name(key), JSON.stringify(answer), 'EX', this.ttlSeconds);
    } catch (error) {
      metrics.llmCache.inc({ result: 'error' });
      this.log.warn('LLM cache write failed', errorFields(error));
    }
  }
}

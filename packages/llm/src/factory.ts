import type { Redis } from 'ioredis';
import { RedisNames } from '@netra/bus';
import type { Config } from '@netra/config';
import { RedisLlmCache } from './cache.js';
import { LlmClient, type LlmClientOptions } from './client.js';
import { LocalProvider } from './local.js';
import { OpenAICompatibleProvider } from './openai.js';

export type LlmConfig = Pick<
  Config,
  'LLM_PROVIDER' | 'LLM_BASE_URL' | 'LLM_API_KEY' | 'LLM_MODELS' | 'LLM_TIMEOUT_MS' | 'LLM_MAX_RETRIES' | 'LLM_CACHE_TTL_SECONDS' | 'LLM_BREAKER_RESET_MS' | 'LLM_LOCAL_DELAY_MS' | 'REDIS_PREFIX'
>;

/**
 * The LLM client of a process, from its configuration: `local` alone, or the OpenAI-compatible provider with the
 * LLM_MODELS chain (then `local`), a Redis response cache when a connection is given and the TTL is not 0.
 */
export function createLlmClient(config: LlmConfig, redis?: Redis, overrides: Partial<LlmClientOptions> = {}): LlmClient {
  const options: LlmClientOptions = {
    timeoutMs: config.LLM_TIMEOUT_MS,
    maxRetries: config.LLM_MAX_RETRIES,
    breakers: { resetTimeoutMs: config.LLM_BREAKER_RESET_MS },
    local: new LocalProvider({ delayMs: config.LLM_LOCAL_DELAY_MS }),
  };
  if (config.LLM_PROVIDER === 'openai') {
    const provider = new OpenAICompatibleProvider({
      timeoutMs: config.LLM_TIMEOUT_MS,
      ...(config.LLM_BASE_URL ? { baseURL: config.LLM_BASE_URL } : {}),
      ...(config.LLM_API_KEY ? { apiKey: config.LLM_API_KEY } : {}),
    });
    const models = config.LLM_MODELS.length > 0 ? config.LLM_MODELS : ['gpt-4o-mini'];
    options.chain = models.map((model) => ({ provider, model }));
    if (redis && config.LLM_CACHE_TTL_SECONDS > 0) {
      const names = new RedisNames(config.REDIS_PREFIX);
      options.cache = new RedisLlmCache(redis, (key) => names.llmCache(key), config.LLM_CACHE_TTL_SECONDS, names.llmCacheStats);
    }
  }
  return new LlmClient({ ...options, ...overrides });
}

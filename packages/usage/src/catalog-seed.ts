import type { CreateModelBody } from '@netra/contracts';

/**
 * The model catalog Netra starts with.
 *
 * Prices: USD per million tokens (standard, non-batch, non-cached input; prompts under any long-context tier),
 * as published on the providers' public pricing pages (OpenAI "API pricing", Anthropic "Pricing", Google
 * "Gemini API pricing", Mistral "Pricing", DeepSeek "Models & Pricing", Together AI "Pricing").
 * SOURCE DATE: recorded 2025-08-15 from those pages as known to the author; this machine has no internet, so they
 * could not be re-checked on the commit date (2026-11-27). Prices change: check them and correct any entry with
 * `PATCH /api/v1/models/:id` (admin). Seeding never overwrites an entry that already exists.
 *
 * qualityScore (0..100) is Netra's coarse quality index, placed from public leaderboards (LMArena, provider evals)
 * so that routing can say "at least as good as": an ordering, not a benchmark. typicalLatencyMs is a typical
 * end-to-end latency of a ~1k-token-in / ~300-token-out chat call.
 */
export const CATALOG_SOURCE_DATE = '2025-08-15';

export const CATALOG_SEED: readonly CreateModelBody[] = [
  { provider: 'openai', model: 'gpt-5', inputPricePerMTok: 1.25, outputPricePerMTok: 10, qualityScore: 92, contextWindow: 400_000, typicalLatencyMs: 9_000 },
  { provider: 'openai', model: 'gpt-5-mini', inputPricePerMTok: 0.25, outputPricePerMTok: 2, qualityScore: 85, contextWindow: 400_000, typicalLatencyMs: 5_000 },
  { provider: 'openai', model: 'gpt-5-nano', inputPricePerMTok: 0.05, outputPricePerMTok: 0.4, qualityScore: 74, contextWindow: 400_000, typicalLatencyMs: 3_000 },
  { provider: 'openai', model: 'gpt-4.1', inputPricePerMTok: 2, outputPricePerMTok: 8, qualityScore: 84, contextWindow: 1_047_576, typicalLatencyMs: 3_500 },
  { provider: 'openai', model: 'gpt-4.1-mini', inputPricePerMTok: 0.4, outputPricePerMTok: 1.6, qualityScore: 78, contextWindow: 1_047_576, typicalLatencyMs: 2_200 },
  { provider: 'openai', model: 'gpt-4.1-nano', inputPricePerMTok: 0.1, outputPricePerMTok: 0.4, qualityScore: 66, contextWindow: 1_047_576, typicalLatencyMs: 1_200 },
  { provider: 'openai', model: 'gpt-4o', inputPricePerMTok: 2.5, outputPricePerMTok: 10, qualityScore: 82, contextWindow: 128_000, typicalLatencyMs: 3_000 },
  { provider: 'openai', model: 'gpt-4o-mini', inputPricePerMTok: 0.15, outputPricePerMTok: 0.6, qualityScore: 72, contextWindow: 128_000, typicalLatencyMs: 1_800 },
  { provider: 'openai', model: 'o3', inputPricePerMTok: 2, outputPricePerMTok: 8, qualityScore: 91, contextWindow: 200_000, typicalLatencyMs: 15_000 },
  { provider: 'openai', model: 'o4-mini', inputPricePerMTok: 1.1, outputPricePerMTok: 4.4, qualityScore: 86, contextWindow: 200_000, typicalLatencyMs: 8_000 },
  { provider: 'anthropic', model: 'claude-opus-4-1', inputPricePerMTok: 15, outputPricePerMTok: 75, qualityScore: 92, contextWindow: 200_000, typicalLatencyMs: 8_000 },
  { provider: 'anthropic', model: 'claude-sonnet-4-5', inputPricePerMTok: 3, outputPricePerMTok: 15, qualityScore: 90, contextWindow: 200_000, typicalLatencyMs: 5_000 },
  { provider: 'anthropic', model: 'claude-sonnet-4', inputPricePerMTok: 3, outputPricePerMTok: 15, qualityScore: 87, contextWindow: 200_000, typicalLatencyMs: 5_000 },
  { provider: 'anthropic', model: 'claude-3-5-haiku', inputPricePerMTok: 0.8, outputPricePerMTok: 4, qualityScore: 70, contextWindow: 200_000, typicalLatencyMs: 2_000 },
  { provider: 'google', model: 'gemini-2.5-pro', inputPricePerMTok: 1.25, outputPricePerMTok: 10, qualityScore: 91, contextWindow: 1_048_576, typicalLatencyMs: 8_000 },
  { provider: 'google', model: 'gemini-2.5-flash', inputPricePerMTok: 0.3, outputPricePerMTok: 2.5, qualityScore: 83, contextWindow: 1_048_576, typicalLatencyMs: 2_500 },
  { provider: 'google', model: 'gemini-2.5-flash-lite', inputPricePerMTok: 0.1, outputPricePerMTok: 0.4, qualityScore: 73, contextWindow: 1_048_576, typicalLatencyMs: 1_200 },
  { provider: 'google', model: 'gemini-2.0-flash', inputPricePerMTok: 0.1, outputPricePerMTok: 0.4, qualityScore: 71, contextWindow: 1_048_576, typicalLatencyMs: 1_500 },
  { provider: 'mistral', model: 'mistral-large-latest', inputPricePerMTok: 2, outputPricePerMTok: 6, qualityScore: 76, contextWindow: 128_000, typicalLatencyMs: 3_000 },
  { provider: 'mistral', model: 'mistral-medium-latest', inputPricePerMTok: 0.4, outputPricePerMTok: 2, qualityScore: 77, contextWindow: 128_000, typicalLatencyMs: 2_500 },
  { provider: 'mistral', model: 'mistral-small-latest', inputPricePerMTok: 0.1, outputPricePerMTok: 0.3, qualityScore: 67, contextWindow: 128_000, typicalLatencyMs: 1_200 },
  { provider: 'deepseek', model: 'deepseek-chat', inputPricePerMTok: 0.27, outputPricePerMTok: 1.1, qualityScore: 80, contextWindow: 64_000, typicalLatencyMs: 4_000 },
  { provider: 'together', model: 'llama-3.3-70b-instruct', inputPricePerMTok: 0.88, outputPricePerMTok: 0.88, qualityScore: 70, contextWindow: 131_072, typicalLatencyMs: 2_000 },
];

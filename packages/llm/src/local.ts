import type { LlmProvider, LlmRequest, LlmResult } from './types.js';

/** Rough token count (≈ 4 characters per token), used where no tokenizer is available. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * The deterministic, offline provider: it answers with the text the caller computed from real numbers.
 * Default when no API key is configured; used by the tests; the final fallback of every chain.
 */
export class LocalProvider implements LlmProvider {
  readonly name = 'local';

  async complete(request: LlmRequest, model: string): Promise<Omit<LlmResult, 'fallback' | 'cached' | 'latencyMs'>> {
    request.signal?.throwIfAborted();
    const text = request.deterministic();
    const prompt = request.messages.map((m) => m.content).join('\n');
    return {
      text,
      provider: this.name,
      model,
      usage: { promptTokens: estimateTokens(prompt), completionTokens: estimateTokens(text) },
    };
  }
}

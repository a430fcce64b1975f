import type { LlmProvider, LlmRequest, ProviderAnswer } from './types.js';

/** Rough token count (≈ 4 characters per token), used where no tokenizer is available. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export interface LocalProviderOptions {
  /** Simulated model latency per call (demos, load tests, fault injection). Aborts with the request. Default 0. */
  delayMs?: number;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The deterministic, offline provider: it answers with the text the caller computed from real numbers.
 * Default when no remote provider is configured; used by the tests; the final fallback of every chain.
 */
export class LocalProvider implements LlmProvider {
  readonly name = 'local';

  constructor(private readonly options: LocalProviderOptions = {}) {}

  async complete(request: LlmRequest, model: string, signal: AbortSignal): Promise<ProviderAnswer> {
    signal.throwIfAborted();
    await abortableDelay(this.options.delayMs ?? 0, signal);
    const text = request.deterministic();
    const prompt = request.messages.map((m) => m.content).join('\n');
    return {
      text,
      provider: this.name,
      model,
      usage: { promptTokens: estimateTokens(prompt), completionTokens: estimateTokens(text) },
      finishReason: 'stop',
    };
  }
}

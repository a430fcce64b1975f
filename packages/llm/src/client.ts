import { EventEmitter } from 'node:events';
import { LocalProvider } from './local.js';
import type { LlmProvider, LlmRequest, LlmResult } from './types.js';

export interface LlmClientOptions {
  /** Provider serving the models of `models`. Default: the local provider. */
  provider?: LlmProvider;
  /** Fallback chain, preferred model first. Default `['local']`. */
  models?: string[];
}

export interface LlmClientEvents {
  /** Every finished call, for metrics and usage recording. */
  call: [result: LlmResult & { purpose: string }];
}

/**
 * The one LLM client every agent call goes through, so that caching, circuit breaking and fallback live in one
 * place. Serves the request with the first model of the chain.
 */
export class LlmClient extends EventEmitter<LlmClientEvents> {
  private readonly provider: LlmProvider;
  private readonly models: string[];
  private readonly local = new LocalProvider();

  constructor(options: LlmClientOptions = {}) {
    super();
    this.provider = options.provider ?? this.local;
    this.models = options.models && options.models.length > 0 ? options.models : ['local'];
  }

  async complete(request: LlmRequest): Promise<LlmResult> {
    const started = performance.now();
    const model = this.models[0] ?? 'local';
    const answer = await this.provider.complete(request, model);
    const result: LlmResult = { ...answer, latencyMs: performance.now() - started, fallback: false, cached: false };
    this.emit('call', { ...result, purpose: request.purpose });
    return result;
  }
}

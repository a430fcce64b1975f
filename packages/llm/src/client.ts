import { EventEmitter } from 'node:events';
import { errorFields, logger, metrics, SpanKind, withSpan } from '@netra/observability';
import { Breakers, type BreakerOptions, type BreakerStatus } from './breaker.js';
import { cacheKey, type LlmCache } from './cache.js';
import { LlmCallError } from './errors.js';
import { abortableDelay, LocalProvider } from './local.js';
import { backoffDelay, type BackoffOptions } from './retry.js';
import type { ChainTarget, LlmRequest, LlmResult, LlmUsage, ProviderAnswer } from './types.js';

export interface LlmClientOptions {
  /** Remote models, preferred first; the deterministic `local` provider always ends the chain. Default none. */
  chain?: ChainTarget[];
  cache?: LlmCache;
  breakers?: BreakerOptions;
  /** Retries of one model after a retryable failure (429, 5xx, timeout, network). Default 2. */
  maxRetries?: number;
  /** Timeout of one attempt, streaming included. Default 30 s. */
  timeoutMs?: number;
  backoff?: BackoffOptions;
  /** A Retry-After longer than this moves on to the next model instead of waiting. Default 10 s. */
  maxRetryAfterMs?: number;
  /** The deterministic provider ending the chain (e.g. with a simulated delay). Default: no delay. */
  local?: LocalProvider;
}

export type CallOutcome = 'ok' | 'error' | 'timeout' | 'aborted' | 'breaker_open' | 'cached';

/** One attempt at one model (or a cache hit): what metrics and Netra's own usage records are made of. */
export interface LlmCallRecord {
  purpose: string;
  workspace?: string;
  provider: string;
  model: string;
  outcome: CallOutcome;
  latencyMs: number;
  usage: LlmUsage;
  at: Date;
  error?: string;
}

export interface LlmClientEvents {
  call: [record: LlmCallRecord];
  /** A breaker changed state (opened, half-opened, closed); carries every breaker's state. */
  breakers: [states: BreakerStatus[]];
}

const NO_USAGE: LlmUsage = { promptTokens: 0, completionTokens: 0 };

/**
 * The one LLM client every agent call goes through. For each model of the chain, in order:
 *   Redis cache → circuit breaker (per provider+model) → attempts with a per-attempt timeout, retried with
 *   jittered exponential backoff on 429/5xx/network errors (honouring Retry-After) →
 * and when the model's breaker is open or its retries are exhausted, the next model; finally the deterministic
 * `local` provider, so a run never fails because a model is down. The caller's AbortSignal stops everything at
 * once (no fallback for a cancelled run).
 */
export class LlmClient extends EventEmitter<LlmClientEvents> {
  private readonly chain: ChainTarget[];
  private readonly local: LocalProvider;
  private readonly breakers: Breakers;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly log = logger.child({ component: 'llm' });

  constructor(private readonly options: LlmClientOptions = {}) {
    super();
    this.chain = (options.chain ?? []).filter((t) => t.provider.name !== 'local');
    this.local = options.local ?? new LocalProvider();
    this.breakers = new Breakers({
      // The probe of a half-open breaker: the smallest real call to the model.
      probe: (provider, model) => this.probe(provider, model),
      ...options.breakers,
      onChange: () => {
        options.breakers?.onChange?.();
        this.emit('breakers', this.breakerStates());
      },
    });
    this.maxRetries = options.maxRetries ?? 2;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
  }

  /** `provider:model` of each link, `local` last. */
  get models(): string[] {
    return [...this.chain.map((t) => `${t.provider.name}:${t.model}`), 'local:local'];
  }

  breakerState(provider: string, model: string): 'closed' | 'open' | 'halfOpen' {
    return this.breakers.state(provider, model);
  }

  /** The breaker of every model of the chain (`local` has none: it cannot fail over to anything). */
  breakerStates(): BreakerStatus[] {
    return this.chain.map((t) => ({ provider: t.provider.name, model: t.model, state: this.breakers.state(t.provider.name, t.model) }));
  }

  /** Closes a model's breaker by hand; false when the model is not in this client's chain. */
  forceCloseBreaker(provider: string, model: string): boolean {
    if (!this.chain.some((t) => t.provider.name === provider && t.model === model)) return false;
    this.breakers.forceClose(provider, model);
    return true;
  }

  /** One logical call (a span `llm <purpose>` with a child span per attempt at a model). */
  complete(request: LlmRequest): Promise<LlmResult> {
    return withSpan(`llm ${request.purpose}`, { kind: SpanKind.CLIENT, attributes: { 'netra.llm.purpose': request.purpose } }, async (span) => {
      const result = await this.completeChain(request);
      span.setAttributes({
        'gen_ai.system': result.provider,
        'gen_ai.response.model': result.model,
        'gen_ai.usage.input_tokens': result.usage.promptTokens,
        'gen_ai.usage.output_tokens': result.usage.completionTokens,
        'netra.llm.cached': result.cached,
        'netra.llm.fallback': result.fallback,
      });
      return result;
    });
  }

  private async completeChain(request: LlmRequest): Promise<LlmResult> {
    const started = performance.now();
    for (const [index, target] of this.chain.entries()) {
      request.signal?.throwIfAborted();
      const { name: provider } = target.provider;
      const key = this.options.cache ? cacheKey(provider, target.model, request) : undefined;
      if (key && this.options.cache) {
        const hit = await this.options.cache.get(key);
        if (hit && (!request.accept || request.accept(hit.text))) {
          this.record(request, { provider, model: target.model, outcome: 'cached', latencyMs: performance.now() - started, usage: hit.usage });
          request.onToken?.(hit.text);
          return { ...hit, latencyMs: performance.now() - started, fallback: index > 0, cached: true };
        }
      }
      try {
        const answer = await this.attempts(target, request);
        // Truncated or rejected answers are returned (the caller decides) but never cached.
        if (key && this.options.cache && answer.finishReason !== 'length' && (!request.accept || request.accept(answer.text))) {
          await this.options.cache.set(key, answer);
        }
        return { ...answer, latencyMs: performance.now() - started, fallback: index > 0, cached: false };
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason ?? error;
        if (error instanceof LlmCallError && error.failure === 'breaker_open') {
          this.record(request, { provider, model: target.model, outcome: 'breaker_open', latencyMs: 0, usage: NO_USAGE, error: error.message });
        }
        metrics.llmFallbacks.inc({ provider, model: target.model });
        this.log.warn('model failed; trying the next in the chain', { purpose: request.purpose, provider, model: target.model, ...errorFields(error) });
      }
    }
    const neverAborted = new AbortController().signal;
    const answer = await withSpan('llm.attempt', { attributes: { 'gen_ai.system': 'local', 'gen_ai.request.model': 'local' } }, () =>
      this.local.complete(request, 'local', request.signal ?? neverAborted),
    );
    this.record(request, { provider: answer.provider, model: answer.model, outcome: 'ok', latencyMs: performance.now() - started, usage: answer.usage });
    return { ...answer, latencyMs: performance.now() - started, fallback: this.chain.length > 0, cached: false };
  }

  /** A half-open breaker's probe: a one-token answer within the attempt timeout. */
  private async probe(providerName: string, model: string): Promise<void> {
    const target = this.chain.find((t) => t.provider.name === providerName && t.model === model);
    if (!target) return;
    const request: LlmRequest = { purpose: 'probe', messages: [{ role: 'user', content: 'ping' }], maxTokens: 1, deterministic: () => 'pong' };
    await target.provider.complete(request, model, AbortSignal.timeout(this.timeoutMs));
  }

  /** Attempts at one model: per-attempt timeout, retries with backoff. Throws the last failure. */
  private async attempts(target: ChainTarget, request: LlmRequest): Promise<ProviderAnswer> {
    const { name: provider } = target.provider;
    for (let attempt = 1; ; attempt++) {
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(new LlmCallError('timeout', `no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, timeout.signal]) : timeout.signal;
      const t0 = performance.now();
      let failure: unknown;
      try {
        // Each attempt goes through the model's breaker, so retries count: failures cannot hide behind them.
        // The caller's abort is named before the breaker sees it: a cancelled run does not count against the model.
        const answer = await this.breakers.run(provider, target.model, () =>
          withSpan(
            'llm.attempt',
            { kind: SpanKind.CLIENT, attributes: { 'gen_ai.system': provider, 'gen_ai.request.model': target.model, 'netra.llm.attempt': attempt } },
            () => target.provider.complete(request, target.model, signal),
          ).catch((error: unknown) => {
            throw request.signal?.aborted ? new LlmCallError('aborted', 'cancelled by the caller', { cause: error }) : error;
          }),
        );
        this.record(request, { provider, model: target.model, outcome: 'ok', latencyMs: performance.now() - t0, usage: answer.usage });
        return answer;
      } catch (error) {
        // An open breaker ends this model's attempts at once: the chain moves on.
        if (error instanceof LlmCallError && error.failure === 'breaker_open') throw error;
        failure = error;
      } finally {
        clearTimeout(timer);
      }
      const error =
        request.signal?.aborted
          ? new LlmCallError('aborted', 'cancelled by the caller', { cause: failure })
          : timeout.signal.aborted
            ? new LlmCallError('timeout', `no answer within ${this.timeoutMs} ms`, { retryable: true, cause: failure })
            : failure;
      const outcome: CallOutcome =
        error instanceof LlmCallError ? (error.failure === 'timeout' ? 'timeout' : error.failure === 'aborted' ? 'aborted' : 'error') : 'error';
      this.record(request, {
        provider,
        model: target.model,
        outcome,
        latencyMs: performance.now() - t0,
        usage: NO_USAGE,
        error: error instanceof Error ? error.message : String(error),
      });
      if (!(error instanceof LlmCallError) || !error.retryable || attempt > this.maxRetries) throw error;
      const delay = backoffDelay(attempt, this.options.backoff, error.retryAfterMs);
      if (delay > this.maxRetryAfterMs) throw error;
      metrics.llmRetries.inc({ provider, model: target.model });
      try {
        await abortableDelay(delay, request.signal);
      } catch (abort) {
        throw new LlmCallError('aborted', 'cancelled by the caller', { cause: abort });
      }
    }
  }

  private record(request: LlmRequest, call: Omit<LlmCallRecord, 'purpose' | 'workspace' | 'at'>): void {
    const labels = { provider: call.provider, model: call.model, outcome: call.outcome };
    metrics.llmCalls.inc(labels);
    if (call.outcome !== 'breaker_open' && call.outcome !== 'cached') metrics.llmCallDuration.observe(labels, call.latencyMs / 1000);
    if (call.outcome === 'ok') {
      metrics.llmTokens.inc({ provider: call.provider, model: call.model, kind: 'prompt' }, call.usage.promptTokens);
      metrics.llmTokens.inc({ provider: call.provider, model: call.model, kind: 'completion' }, call.usage.completionTokens);
    }
    this.emit('call', {
      ...call,
      purpose: request.purpose,
      ...(request.workspace === undefined ? {} : { workspace: request.workspace }),
      at: new Date(),
    });
  }

  /** Stops the breakers' timers. */
  close(): void {
    this.breakers.shutdown();
  }
}

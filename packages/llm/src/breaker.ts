import CircuitBreaker from 'opossum';
import { logger, metrics } from '@netra/observability';
import { LlmCallError } from './errors.js';

export interface BreakerOptions {
  /** Calls in the rolling window before the breaker may open. Default 5 (must be > 0). */
  volumeThreshold?: number;
  /** Failure percentage in the window that opens the breaker. Default 50. */
  errorThresholdPercentage?: number;
  /** Open → half-open after this long; one probe then decides. Default 30 s. */
  resetTimeoutMs?: number;
  /** Length of the rolling statistics window. Default 60 s (in 6 buckets). */
  rollingWindowMs?: number;
  /** Called after any breaker changed state (the worker publishes the states for the admin API). */
  onChange?: () => void;
}

export type BreakerState = 'closed' | 'open' | 'halfOpen';

export interface BreakerStatus {
  provider: string;
  model: string;
  state: BreakerState;
}

type Thunk = () => Promise<unknown>;

const STATE = { closed: 0, halfOpen: 1, open: 2 } as const;

/**
 * One opossum breaker per provider+model. A breaker guards one logical call (all its retries): when a model keeps
 * failing, calls skip it at once (`breaker_open`) and go to the next model of the chain, until a half-open probe
 * succeeds. A call the caller aborted does not count against the model.
 */
export class Breakers {
  private readonly breakers = new Map<string, CircuitBreaker<[Thunk], unknown>>();
  private readonly log = logger.child({ component: 'llm-breaker' });

  constructor(private readonly options: BreakerOptions = {}) {
    if ((options.volumeThreshold ?? 5) < 1) throw new Error('volumeThreshold must be at least 1');
  }

  private get(provider: string, model: string): CircuitBreaker<[Thunk], unknown> {
    const key = `${provider}\u0000${model}`;
    let breaker = this.breakers.get(key);
    if (breaker) return breaker;
    const window = this.options.rollingWindowMs ?? 60_000;
    breaker = new CircuitBreaker<[Thunk], unknown>((thunk: Thunk) => thunk(), {
      name: `${provider}:${model}`,
      // Timeouts are per attempt, inside the call; the breaker only counts outcomes.
      timeout: false,
      volumeThreshold: this.options.volumeThreshold ?? 5,
      errorThresholdPercentage: this.options.errorThresholdPercentage ?? 50,
      resetTimeout: this.options.resetTimeoutMs ?? 30_000,
      rollingCountTimeout: window,
      rollingCountBuckets: 6,
      rollingPercentilesEnabled: false,
      errorFilter: (error: unknown) => error instanceof LlmCallError && error.failure === 'aborted',
    });
    const labels = { provider, model };
    metrics.llmBreakerState.set(labels, STATE.closed);
    breaker.on('open', () => {
      metrics.llmBreakerState.set(labels, STATE.open);
      metrics.llmBreakerTransitions.inc({ ...labels, to: 'open' });
      this.log.warn('LLM circuit opened', labels);
      this.options.onChange?.();
    });
    breaker.on('halfOpen', () => {
      metrics.llmBreakerState.set(labels, STATE.halfOpen);
      metrics.llmBreakerTransitions.inc({ ...labels, to: 'half_open' });
      this.log.info('LLM circuit half-open: next call probes', labels);
      this.options.onChange?.();
    });
    breaker.on('close', () => {
      metrics.llmBreakerState.set(labels, STATE.closed);
      metrics.llmBreakerTransitions.inc({ ...labels, to: 'closed' });
      this.log.info('LLM circuit closed', labels);
      this.options.onChange?.();
    });
    this.breakers.set(key, breaker);
    return breaker;
  }

  /** Runs `thunk` through the model's breaker; rejects with `breaker_open` without calling it when open. */
  async run<T>(provider: string, model: string, thunk: () => Promise<T>): Promise<T> {
    try {
      return (await this.get(provider, model).fire(thunk)) as T;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'EOPENBREAKER') {
        throw new LlmCallError('breaker_open', `circuit open for ${provider}:${model}`, { cause: error });
      }
      throw error;
    }
  }

  state(provider: string, model: string): 'closed' | 'open' | 'halfOpen' {
    const breaker = this.breakers.get(`${provider}\u0000${model}`);
    if (!breaker) return 'closed';
    return breaker.opened ? 'open' : breaker.halfOpen ? 'halfOpen' : 'closed';
  }

  /** Every breaker this process has created (one per provider+model it called). */
  list(): BreakerStatus[] {
    return [...this.breakers.entries()].map(([key, breaker]) => {
      const [provider = '', model = ''] = key.split('\u0000');
      return { provider, model, state: breaker.opened ? 'open' : breaker.halfOpen ? 'halfOpen' : 'closed' };
    });
  }

  /**
   * Closes a breaker by hand (an operator knows the provider is back): calls flow to the model again at once
   * instead of after the reset timeout. Returns false when this process has no breaker for that model.
   */
  forceClose(provider: string, model: string): boolean {
    const breaker = this.breakers.get(`${provider}\u0000${model}`);
    if (!breaker) return false;
    if (!breaker.closed) {
      this.log.warn('LLM circuit closed by an operator', { provider, model });
      breaker.close();
    }
    return true;
  }

  /** Stops the breakers' timers (process shutdown, tests). */
  shutdown(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
    this.breakers.clear();
  }
}

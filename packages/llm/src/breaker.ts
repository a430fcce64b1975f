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
  /** Length of the rolling statistics window. Default 10 s (in 10 buckets). */
  rollingWindowMs?: number;
  /**
   * Attempt failures in a row that open the breaker at once, whatever the window says: a model that goes 100 %
   * down is cut off after this many attempts instead of after its failures outweigh the window's successes.
   * Default 5.
   */
  consecutiveFailures?: number;
  /**
   * A half-open breaker that sees no call within this long sends a probe of its own (`probe`), so a quiet model
   * does not stay half-open forever. Default 1 s.
   */
  probeAfterMs?: number;
  /** The probe: a minimal call to the model. Without one a half-open breaker waits for real traffic. */
  probe?: (provider: string, model: string) => Promise<unknown>;
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
 * One opossum breaker per provider+model. A breaker counts every attempt (retries included — counting only
 * logical calls let retries hide a half-failing model from it): when a model keeps failing, calls skip it at once
 * (`breaker_open`) and go to the next model of the chain, until a half-open probe succeeds. It opens on the
 * window's failure rate or on `consecutiveFailures` in a row; half-open, it probes on a timer when no call comes.
 * A call the caller aborted does not count against the model.
 */
export class Breakers {
  private readonly breakers = new Map<string, CircuitBreaker<[Thunk], unknown>>();
  /** Attempt failures in a row, per breaker. */
  private readonly streaks = new Map<string, number>();
  private readonly probes = new Map<string, NodeJS.Timeout>();
  private readonly log = logger.child({ component: 'llm-breaker' });

  constructor(private readonly options: BreakerOptions = {}) {
    if ((options.volumeThreshold ?? 5) < 1) throw new Error('volumeThreshold must be at least 1');
  }

  private get(provider: string, model: string): CircuitBreaker<[Thunk], unknown> {
    const key = `${provider}\u0000${model}`;
    let breaker = this.breakers.get(key);
    if (breaker) return breaker;
    const window = this.options.rollingWindowMs ?? 10_000;
    breaker = new CircuitBreaker<[Thunk], unknown>((thunk: Thunk) => thunk(), {
      name: `${provider}:${model}`,
      // Timeouts are per attempt, inside the call; the breaker only counts outcomes.
      timeout: false,
      volumeThreshold: this.options.volumeThreshold ?? 5,
      errorThresholdPercentage: this.options.errorThresholdPercentage ?? 50,
      resetTimeout: this.options.resetTimeoutMs ?? 30_000,
      rollingCountTimeout: window,
      rollingCountBuckets: 10,
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
      this.scheduleProbe(key, provider, model);
      this.options.onChange?.();
    });
    // Every attempt's outcome feeds the streak that trips the breaker at once.
    breaker.on('success', () => this.streaks.set(key, 0));
    breaker.on('failure', () => {
      const streak = (this.streaks.get(key) ?? 0) + 1;
      this.streaks.set(key, streak);
      if (streak >= (this.options.consecutiveFailures ?? 5) && breaker.closed) {
        this.log.warn('LLM attempts failing in a row; opening the circuit', { ...labels, streak });
        breaker.open();
      }
    });
    breaker.on('close', () => {
      this.streaks.set(key, 0);
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

  /**
   * When the breaker turns half-open, a probe goes out after `probeAfterMs` unless a real call got there first
   * (opossum lets exactly one call through while half-open; it decides close or open again).
   */
  private scheduleProbe(key: string, provider: string, model: string): void {
    const probe = this.options.probe;
    if (!probe) return;
    clearTimeout(this.probes.get(key));
    const timer = setTimeout(() => {
      this.probes.delete(key);
      const breaker = this.breakers.get(key);
      if (!breaker?.halfOpen) return;
      this.log.info('LLM circuit half-open with no traffic: probing', { provider, model });
      breaker.fire(() => probe(provider, model)).catch((error: unknown) => {
        // The failed probe re-opens the breaker (opossum), which schedules the next half-open and probe.
        this.log.info('LLM probe failed; circuit stays open', { provider, model, error: error instanceof Error ? error.message : String(error) });
      });
    }, this.options.probeAfterMs ?? 1_000);
    timer.unref();
    this.probes.set(key, timer);
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
    for (const timer of this.probes.values()) clearTimeout(timer);
    this.probes.clear();
    for (const breaker of this.breakers.values()) breaker.shutdown();
    this.breakers.clear();
  }
}

import type { AgentName } from '@netra/contracts';

export interface TokenStreamOptions {
  /** Publish at most this often… Default 50 ms. */
  minIntervalMs?: number;
  /** …unless this many characters are waiting. Default 64. */
  minChars?: number;
}

/**
 * Coalesces streamed LLM text into `agent_token` events: one event per ≥ 50 ms or ≥ 64 characters, in order,
 * so a fast model does not turn every token into a Redis write and a socket frame.
 */
export class TokenStream {
  private buffer = '';
  private agent: AgentName | undefined;
  private lastFlush = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly minIntervalMs: number;
  private readonly minChars: number;

  constructor(
    private readonly publish: (agent: AgentName, delta: string) => Promise<unknown>,
    options: TokenStreamOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 50;
    this.minChars = options.minChars ?? 64;
  }

  push(agent: AgentName, delta: string): void {
    if (delta.length === 0) return;
    if (this.agent !== undefined && this.agent !== agent) this.flush();
    this.agent = agent;
    this.buffer += delta;
    const now = Date.now();
    if (this.buffer.length >= this.minChars || now - this.lastFlush >= this.minIntervalMs) {
      this.flush();
    } else {
      this.timer ??= setTimeout(() => this.flush(), this.minIntervalMs - (now - this.lastFlush));
    }
  }

  /** Publishes what is buffered and waits until every event so far is out (call before the agent's next event). */
  async drain(): Promise<void> {
    this.flush();
    await this.chain;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0 || this.agent === undefined) return;
    const agent = this.agent;
    const delta = this.buffer;
    this.buffer = '';
    this.lastFlush = Date.now();
    this.chain = this.chain.then(() => this.publish(agent, delta));
  }
}

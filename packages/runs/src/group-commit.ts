import { isDatabaseUnavailable } from '@netra/db';

/** How big a batch grows and how long its first item waits. */
export interface GroupCommitLimits {
  /** A batch is written once it holds this many items. Default 64. */
  maxItems?: number;
  /** …or this long after its first item arrived. Default 2 ms. */
  maxDelayMs?: number;
}

export interface GroupCommitOptions<I> extends GroupCommitLimits {
  /**
   * Items with the same key never share a batch: an item whose key is already waiting sends the waiting batch at
   * once and starts the next (e.g. two messages of one thread, which one statement would both see idle).
   */
  key?: (item: I) => string;
  /**
   * Instead of waiting up to `maxDelayMs`: a batch goes at the end of the event-loop turn when no statement of this
   * group commit is in flight, and the items that arrive while one is go together when it completes. Nothing waits
   * when the load is light, and batches grow with the load: for request paths, where a fixed delay would add to
   * every request's latency. Default false.
   */
  flushWhenIdle?: boolean;
}

interface Pending<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: items that arrive within `maxDelayMs` of each other go to PostgreSQL in one statement (one bind,
 * one plan, one commit for all of them) instead of one each. A worker's concurrent runs move in step — one
 * checkpoint batch commits for all of them, so they reach their next write together — which is what makes the
 * batches full. An item's promise settles only after the statement that holds it committed, so nothing is
 * acknowledged before it is durable.
 *
 * `statement` gets the batch in arrival order and returns one result per item, in the same order. If a batch fails
 * for any reason but an outage, its items are retried one by one, so one bad item fails only its own caller; an
 * outage fails them all at once (each run then waits for the database).
 */
export class GroupCommit<I, O> {
  private pending: Pending<I, O>[] = [];
  private readonly pendingKeys = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly maxItems: number;
  private readonly maxDelayMs: number;
  private readonly key: ((item: I) => string) | undefined;
  private readonly flushWhenIdle: boolean;
  private inFlight = 0;
  private immediate: NodeJS.Immediate | undefined;

  constructor(
    private readonly statement: (items: I[]) => Promise<O[]>,
    options: GroupCommitOptions<I> = {},
  ) {
    this.maxItems = options.maxItems ?? 64;
    this.maxDelayMs = options.maxDelayMs ?? 2;
    this.key = options.key;
    this.flushWhenIdle = options.flushWhenIdle ?? false;
  }

  add(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      if (this.key) {
        const key = this.key(item);
        if (this.pendingKeys.has(key)) this.flush();
        this.pendingKeys.add(key);
      }
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxItems) this.flush();
      else if (!this.flushWhenIdle) this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs);
      else if (this.inFlight === 0) this.immediate ??= setImmediate(() => this.flush());
    });
  }

  /** Writes what is pending now (the timer does this by itself). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearImmediate(this.immediate);
    this.immediate = undefined;
    const batch = this.pending;
    this.pending = [];
    this.pendingKeys.clear();
    if (batch.length > 0) void this.write(batch);
  }

  private async write(batch: Pending<I, O>[]): Promise<void> {
    this.inFlight += 1;
    try {
      await this.settle(batch);
    } finally {
      this.inFlight -= 1;
      // What arrived while this batch was out goes now, together.
      if (this.flushWhenIdle && this.inFlight === 0 && this.pending.length > 0) this.flush();
    }
  }

  private async settle(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await this.statement(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i] as O));
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      await Promise.all(
        batch.map((p) =>
          this.statement([p.item]).then(
            ([result]) => p.resolve(result as O),
            (single: unknown) => p.reject(single),
          ),
        ),
      );
    }
  }
}

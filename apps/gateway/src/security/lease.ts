/** The shared counter after one increment: its value and the time left in its window. */
export interface Counted {
  /** The window's count after this increment (the increment included). */
  consumed: number;
  msBeforeNext: number;
}

/**
 * Adds `points` to `key`'s count in the current window of the shared store (Redis), whatever the budget.
 * `context` is the request's on whose behalf the block is taken (for an audit line).
 */
export type TakePoints<C> = (key: string, points: number, context: C) => Promise<Counted>;

export interface PointLeaseOptions<C> {
  /** The budget of one window, shared by every holder of leases on the same store. */
  points: number;
  /** Points taken from the store per round trip (≥ 2; with 1 there is nothing to lease). */
  size: number;
  take: TakePoints<C>;
  /**
   * A refill taken ahead of need (not awaited by any request) failed: the next request that finds no point in
   * hand waits for its own refill and gets the error if it fails again. Told here so it is not lost.
   */
  onBackgroundError?: (error: unknown, key: string) => void;
  now?: () => number;
}

/** No point left for the key in this window (anywhere: the shared count is at or past the budget). */
export class OutOfPoints extends Error {
  constructor(readonly msBeforeNext: number) {
    super('budget spent for this window');
    this.name = 'OutOfPoints';
  }
}

interface Lease {
  /** Points taken from the store in the current window and not spent yet. */
  available: number;
  /** The window's end, never later than the store's own (see `grant`). 0: no window known. */
  endsAt: number;
  /** The shared count has reached the budget in this window: no refill can grant anything before `endsAt`. */
  exhausted: boolean;
  pending: Promise<void> | undefined;
}

/**
 * A shared fixed-window budget spent in blocks: one store round trip takes `size` points for this process, which
 * then spends them locally, and takes the next block in the background when half of one is left. A steady flow
 * of requests never waits for the store; the first request of a window (or a burst faster than a round trip)
 * does.
 *
 * What it costs in accuracy, per key and process, for the rest of the window:
 * - never an over-count: every point spent was counted in the store in the same window before it was spent
 *   (a block's window is taken to end at send time + the TTL the store reported, never after the store's own
 *   end, and its leftover points die with it);
 * - an under-count of at most the points held and not spent: ≤ size/2 left of one block plus one block in flight,
 *   i.e. < 1.5 × size. Those are refused elsewhere (another replica, another transport) while this process holds
 *   them, and lost when the window ends unspent.
 * - when the count crosses the budget the store's increment overshoots it (a block asked for more than was
 *   left); that only means "spent" and vanishes with the window.
 */
export class PointLease<C = undefined> {
  private readonly leases = new Map<string, Lease>();
  private readonly now: () => number;
  private readonly lowWater: number;
  private sweepAt = 0;

  constructor(private readonly options: PointLeaseOptions<C>) {
    if (!Number.isInteger(options.size) || options.size < 2) throw new RangeError('a lease takes at least 2 points');
    this.now = options.now ?? Date.now;
    this.lowWater = Math.floor(options.size / 2);
  }

  /**
   * Spends one point of `key`'s budget; rejects with `OutOfPoints` when the window has none left. Errors of the
   * store (other than a refused increment, which `take` reports as a count) reject the call.
   */
  async spend(key: string, context: C): Promise<void> {
    for (;;) {
      const lease = this.lease(key);
      if (this.take(key, lease, context)) return;
      if (lease.exhausted) throw new OutOfPoints(Math.max(1, lease.endsAt - this.now()));
      await (lease.pending ?? this.refill(key, lease, context));
    }
  }

  /**
   * Spends one point if one is in hand, synchronously; false when the caller has to `spend` (and maybe wait).
   * The path of almost every request, without a promise.
   */
  trySpend(key: string, context: C): boolean {
    return this.take(key, this.lease(key), context);
  }

  private take(key: string, lease: Lease, context: C): boolean {
    if (lease.available <= 0) return false;
    lease.available -= 1;
    if (lease.available <= this.lowWater && !lease.exhausted && !lease.pending) {
      // Ahead of need, not awaited: a failure here only means the next request waits for its own refill.
      this.refill(key, lease, context).catch((error: unknown) => this.options.onBackgroundError?.(error, key));
    }
    return true;
  }

  /** Keys holding a lease (for tests and the sweep). */
  get size(): number {
    return this.leases.size;
  }

  private lease(key: string): Lease {
    const now = this.now();
    this.sweep(now);
    let lease = this.leases.get(key);
    if (!lease) {
      lease = { available: 0, endsAt: 0, exhausted: false, pending: undefined };
      this.leases.set(key, lease);
    } else if (now >= lease.endsAt) {
      // The window is over: its leftover points are not the next window's to spend.
      lease.available = 0;
      lease.exhausted = false;
      lease.endsAt = 0;
    }
    return lease;
  }

  private refill(key: string, lease: Lease, context: C): Promise<void> {
    const sentAt = this.now();
    // Sent from a microtask, after the code that spent the point has run: writing to Redis wakes it up, and a
    // reply (a `pong`) written first does not wait behind that.
    const pending = Promise.resolve()
      .then(() => this.options.take(key, this.options.size, context))
      .then(
      (counted) => {
        lease.pending = undefined;
        this.grant(lease, sentAt, counted);
      },
      (error: unknown) => {
        lease.pending = undefined;
        throw error;
      },
    );
    lease.pending = pending;
    return pending;
  }

  private grant(lease: Lease, sentAt: number, { consumed, msBeforeNext }: Counted): void {
    const { points, size } = this.options;
    const before = consumed - size;
    // consumed < size: not a count of this increment (a store that refused without counting): nothing granted.
    const granted = before < 0 ? 0 : Math.max(0, Math.min(size, points - before));
    // The store's window ends msBeforeNext after it ran the increment, which is after `sentAt`.
    const endsAt = sentAt + msBeforeNext;
    const now = this.now();
    if (now >= lease.endsAt) {
      // A window of its own: nothing else held belongs to it. (A block counted in a later window than the lease's
      // can only arrive after the lease's end, which is never later than the store's.)
      lease.available = granted;
      lease.endsAt = endsAt;
      lease.exhausted = consumed >= points || before < 0;
    } else {
      lease.available += granted;
      lease.endsAt = Math.min(lease.endsAt, endsAt);
      lease.exhausted ||= consumed >= points || before < 0;
    }
  }

  /** Drops leases of windows that are over (each key is re-created on its next request), at most once a second. */
  private sweep(now: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + 1000;
    for (const [key, lease] of this.leases) {
      if (now >= lease.endsAt && !lease.pending) this.leases.delete(key);
    }
  }
}

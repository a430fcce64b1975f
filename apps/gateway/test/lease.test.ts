import { OutOfPoints, PointLease, type Counted } from '../src/security/lease.js';

/**
 * A fixed-window counter as Redis keeps it for rate-limiter-flexible (INCRBY, the window starting at the first
 * increment), on a clock the test moves. Each increment is counted when it is sent (Redis runs it a fraction of
 * a round trip later); `hold()` keeps the answers from arriving until `release()`.
 */
class FakeStore {
  now = 1_000_000;
  calls = 0;
  failNext: Error | undefined;
  private readonly windows = new Map<string, { count: number; endsAt: number }>();
  private held: (() => void)[] | undefined;

  constructor(private readonly durationMs: number) {}

  count(key: string): number {
    const w = this.windows.get(key);
    return w && this.now < w.endsAt ? w.count : 0;
  }

  hold(): void {
    this.held = [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const deliver of held) deliver();
  }

  readonly take = (key: string, points: number): Promise<Counted> => {
    this.calls += 1;
    const failure = this.failNext;
    this.failNext = undefined;
    let answer: Promise<Counted>;
    if (failure) {
      answer = Promise.reject(failure);
    } else {
      let w = this.windows.get(key);
      if (!w || this.now >= w.endsAt) {
        w = { count: 0, endsAt: this.now + this.durationMs };
        this.windows.set(key, w);
      }
      w.count += points;
      answer = Promise.resolve({ consumed: w.count, msBeforeNext: w.endsAt - this.now });
    }
    const held = this.held;
    if (!held) return answer;
    return new Promise((resolve, reject) => held.push(() => answer.then(resolve, reject)));
  };
}

/** Spends until refused; the number spent. */
async function spendAll(lease: PointLease, key: string, most = 10_000): Promise<number> {
  for (let spent = 0; spent < most; spent += 1) {
    try {
      await lease.spend(key, undefined);
    } catch (error) {
      if (error instanceof OutOfPoints) return spent;
      throw error;
    }
  }
  return most;
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('PointLease', () => {
  it('takes a block per store call and spends it locally, refilling in the background so a steady flow never waits', async () => {
    const store = new FakeStore(60_000);
    const lease = new PointLease({ points: 1_000, size: 10, take: store.take, now: () => store.now });
    await lease.spend('u', undefined);
    expect(store.calls).toBe(1);
    expect(store.count('u')).toBe(10);

    // With the store stalled, the block in hand still serves requests; the refill goes out at half a block left.
    store.hold();
    for (let i = 0; i < 9; i += 1) await lease.spend('u', undefined);
    expect(store.calls).toBe(2);
    // Nothing left in hand: the next request waits for the refill already in flight, not for one of its own.
    let done = false;
    const waiting = lease.spend('u', undefined).then(() => (done = true));
    await flush();
    expect(done).toBe(false);
    store.release();
    await waiting;
    expect(store.calls).toBe(2);
    expect(store.count('u')).toBe(20);
  });

  it('never spends more than the budget, and refuses with the time left in the window', async () => {
    const store = new FakeStore(60_000);
    const lease = new PointLease({ points: 95, size: 10, take: store.take, now: () => store.now });
    expect(await spendAll(lease, 'u')).toBe(95);
    store.now += 20_000;
    const refusal = await lease.spend('u', undefined).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(OutOfPoints);
    expect((refusal as OutOfPoints).msBeforeNext).toBe(40_000);
    // Known to be spent: no more store calls for this window.
    const calls = store.calls;
    await expect(lease.spend('u', undefined)).rejects.toBeInstanceOf(OutOfPoints);
    expect(store.calls).toBe(calls);
  });

  it('grants what is left of the budget when a block asks for more (another replica or transport spent the rest)', async () => {
    const store = new FakeStore(4_000);
    const lease = new PointLease({ points: 15, size: 4, take: store.take, now: () => store.now });
    // 13 points spent one at a time elsewhere (HTTP on another gateway).
    for (let i = 0; i < 13; i += 1) await store.take('u', 1);
    expect(await spendAll(lease, 'u')).toBe(2);
  });

  it('keeps two replicas and a one-point-per-request client within the budget, losing at most 1.5 blocks per replica', async () => {
    const store = new FakeStore(60_000);
    const points = 1_000;
    const size = 10;
    const replicas = [0, 1].map(() => new PointLease({ points, size, take: store.take, now: () => store.now }));
    let exact = 0;
    let spent = 0;
    const open = [true, true, true];
    for (let turn = 0; open.some(Boolean); turn += 1) {
      const who = turn % 3;
      if (!open[who]) continue;
      if (who === 2) {
        // One point per request, counted in the store directly (the unleased path).
        const { consumed } = await store.take('u', 1);
        if (consumed <= points) exact += 1;
        else open[who] = false;
      } else {
        try {
          await replicas[who]!.spend('u', undefined);
          spent += 1;
        } catch (error) {
          if (!(error instanceof OutOfPoints)) throw error;
          open[who] = false;
        }
      }
    }
    expect(spent + exact).toBeLessThanOrEqual(points);
    expect(spent + exact).toBeGreaterThanOrEqual(points - 2 * 1.5 * size);
  });

  it('lets a block die with its window: leftover points are not spent in the next one', async () => {
    const store = new FakeStore(4_000);
    const lease = new PointLease({ points: 100, size: 10, take: store.take, now: () => store.now });
    await lease.spend('u', undefined);
    store.now += 4_000;
    // The new window starts with a block of its own: the 9 left of the old one are gone.
    await lease.spend('u', undefined);
    expect(store.calls).toBe(2);
    expect(store.count('u')).toBe(10);
    expect(await spendAll(lease, 'u')).toBe(99);
    expect(store.count('u')).toBeGreaterThanOrEqual(100);
  });

  it('does not carry a refill answered after its window ended into the next window', async () => {
    const store = new FakeStore(4_000);
    const lease = new PointLease({ points: 100, size: 10, take: store.take, now: () => store.now });
    for (let i = 0; i < 4; i += 1) await lease.spend('u', undefined);
    // The refill goes out with 5 left in hand, is counted in this window, and its answer comes after the end.
    store.hold();
    await lease.spend('u', undefined);
    expect(store.calls).toBe(2);
    store.now += 4_000;
    store.release();
    await flush();
    const calls = store.calls;
    await lease.spend('u', undefined);
    expect(store.calls).toBe(calls + 1);
    expect(store.count('u')).toBe(10);
  });

  it('serves concurrent requests from one refill and refills again for those the block did not cover', async () => {
    const store = new FakeStore(60_000);
    const lease = new PointLease({ points: 1_000, size: 4, take: store.take, now: () => store.now });
    await Promise.all(Array.from({ length: 10 }, () => lease.spend('u', undefined)));
    // 10 requests at once need 3 blocks; a prefetch may add one.
    expect(store.calls).toBeGreaterThanOrEqual(3);
    expect(store.calls).toBeLessThanOrEqual(4);
  });

  it('rejects the waiting request when the store fails, and the next request tries again', async () => {
    const store = new FakeStore(60_000);
    const lease = new PointLease({ points: 100, size: 10, take: store.take, now: () => store.now });
    store.failNext = new Error('connection lost');
    await expect(lease.spend('u', undefined)).rejects.toThrow('connection lost');
    await lease.spend('u', undefined);
    expect(store.count('u')).toBe(10);
  });

  it('reports a failed refill taken ahead of need, and the request that runs out refills for itself', async () => {
    const store = new FakeStore(60_000);
    const errors: { message: string; key: string }[] = [];
    const lease = new PointLease({
      points: 100,
      size: 10,
      take: store.take,
      now: () => store.now,
      onBackgroundError: (error, key) => errors.push({ message: (error as Error).message, key }),
    });
    await lease.spend('u', undefined);
    // Spend down to the low-water mark (half a block): that spend starts a background refill, which fails.
    store.failNext = new Error('connection lost');
    for (let i = 0; i < 4; i += 1) expect(lease.trySpend('u', undefined)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual([{ message: 'connection lost', key: 'u' }]);
    // The points in hand are still spent locally; then a request waits for (and gets) a refill of its own.
    expect(await spendAll(lease, 'u', 20)).toBe(20);
    // Every block but the failed one was counted in the store.
    expect(store.count('u')).toBe(10 * (store.calls - 1));
  });

  it('keeps budgets per key and forgets keys whose window is over', async () => {
    const store = new FakeStore(4_000);
    const lease = new PointLease({ points: 20, size: 2, take: store.take, now: () => store.now });
    expect(await spendAll(lease, 'a')).toBe(20);
    expect(await spendAll(lease, 'b')).toBe(20);
    expect(lease.size).toBe(2);
    store.now += 5_000;
    await lease.spend('c', undefined);
    expect(lease.size).toBe(1);
  });

  it('refuses a size that would not lease anything', () => {
    const store = new FakeStore(1_000);
    expect(() => new PointLease({ points: 10, size: 1, take: store.take })).toThrow(RangeError);
  });
});

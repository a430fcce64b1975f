import { DatabaseUnavailableError } from '@netra/db';
import { GroupCommit } from '@netra/runs';

/** Group commit's batching and failure isolation, against a statement that records what it was given. */
function recorder(fail: (items: number[]) => Error | undefined = () => undefined) {
  const calls: number[][] = [];
  const statement = async (items: number[]): Promise<string[]> => {
    calls.push([...items]);
    const error = fail(items);
    if (error) throw error;
    return items.map((n) => `r${n}`);
  };
  return { calls, statement };
}

describe('GroupCommit', () => {
  it('sends the items added in one turn as one statement, and gives each caller its own result', async () => {
    const { calls, statement } = recorder();
    const batches = new GroupCommit(statement, { maxDelayMs: 5 });
    const results = await Promise.all([1, 2, 3].map((n) => batches.add(n)));
    expect(results).toEqual(['r1', 'r2', 'r3']);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('sends a full batch at once and the rest after the delay, in arrival order', async () => {
    const { calls, statement } = recorder();
    const batches = new GroupCommit(statement, { maxItems: 2, maxDelayMs: 5 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => batches.add(n)));
    expect(results).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(calls).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('never puts two items of one key in a batch: the second sends the waiting batch and starts the next', async () => {
    const { calls, statement } = recorder();
    const batches = new GroupCommit(statement, { maxDelayMs: 5, key: (n: number) => String(n % 10) });
    const results = await Promise.all([1, 2, 11, 3, 12, 21].map((n) => batches.add(n)));
    expect(results).toEqual(['r1', 'r2', 'r11', 'r3', 'r12', 'r21']);
    expect(calls).toEqual([[1, 2], [11, 3, 12], [21]]);
  });

  it('flushWhenIdle: sends at the end of the turn when idle, and what arrives meanwhile together when that completes', async () => {
    const calls: number[][] = [];
    const releases: (() => void)[] = [];
    const statement = (items: number[]) =>
      new Promise<string[]>((resolve) => {
        calls.push([...items]);
        releases.push(() => resolve(items.map((n) => `r${n}`)));
      });
    // A delay far beyond the test's: nothing may wait for it.
    const batches = new GroupCommit(statement, { maxDelayMs: 60_000, flushWhenIdle: true });
    const first = [batches.add(1), batches.add(2)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([[1, 2]]);
    const later = [batches.add(3), batches.add(4)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([[1, 2]]);
    releases[0]?.();
    expect(await Promise.all(first)).toEqual(['r1', 'r2']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([[1, 2], [3, 4]]);
    releases[1]?.();
    expect(await Promise.all(later)).toEqual(['r3', 'r4']);
  });

  it('retries a failed batch item by item, so only the bad item fails', async () => {
    const { calls, statement } = recorder((items) => (items.includes(2) ? new Error('violates a constraint') : undefined));
    const batches = new GroupCommit(statement, { maxDelayMs: 5 });
    const settled = await Promise.allSettled([1, 2, 3].map((n) => batches.add(n)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(settled[0]).toEqual({ status: 'fulfilled', value: 'r1' });
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: { message: 'violates a constraint' } });
    expect(calls).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('fails the whole batch at once when the database is unavailable (no retries into an outage)', async () => {
    const { calls, statement } = recorder(() => new DatabaseUnavailableError(new Error('connection refused')));
    const batches = new GroupCommit(statement, { maxDelayMs: 5 });
    const settled = await Promise.allSettled([1, 2].map((n) => batches.add(n)));
    expect(settled.every((s) => s.status === 'rejected' && s.reason instanceof DatabaseUnavailableError)).toBe(true);
    expect(calls).toEqual([[1, 2]]);
  });
});

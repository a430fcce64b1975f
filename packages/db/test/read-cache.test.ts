import { sql, UsageReadCache, type SqlStatement } from '@netra/db';

/** A loader that counts its calls and answers with fresh rows (or fails), as querySql would. */
function loader(rows: () => Record<string, unknown>[]) {
  const calls: SqlStatement[] = [];
  return {
    calls,
    load: (statement: SqlStatement) => () => {
      calls.push(statement);
      return Promise.resolve(rows());
    },
  };
}

const scope = { userId: 'u1', revision: '7' };
const read = (from: string) => sql('usage_read_test', { usageRead: true })`SELECT app FROM usage_rollups WHERE user_id = ${'u1'} AND day >= ${from}`;

describe('UsageReadCache', () => {
  it('answers the same statement with the same parameters at the same revision once, and concurrent misses share the load', async () => {
    const cache = new UsageReadCache();
    const db = loader(() => [{ app: 'support', hist: { 10: 2 } }]);
    const [a, b] = await Promise.all([cache.read(scope, read('2026-11-01'), db.load(read('2026-11-01'))), cache.read(scope, read('2026-11-01'), db.load(read('2026-11-01')))]);
    expect(a).toEqual([{ app: 'support', hist: { 10: 2 } }]);
    expect(b).toBe(a);
    expect(await cache.read(scope, read('2026-11-01'), db.load(read('2026-11-01')))).toBe(a);
    expect(db.calls).toHaveLength(1);
    expect(cache.stats).toEqual({ hits: 2, misses: 1, entries: 1, rows: 1 });
  });

  it('asks again for other parameters, another revision or another user', async () => {
    const cache = new UsageReadCache();
    const db = loader(() => [{ app: 'support' }]);
    await cache.read(scope, read('2026-11-01'), db.load(read('2026-11-01')));
    await cache.read(scope, read('2026-11-02'), db.load(read('2026-11-02')));
    await cache.read({ ...scope, revision: '8' }, read('2026-11-01'), db.load(read('2026-11-01')));
    await cache.read({ ...scope, userId: 'u2' }, read('2026-11-01'), db.load(read('2026-11-01')));
    expect(db.calls).toHaveLength(4);
  });

  it('hands out frozen rows, nested values included, so no reader can change another run\'s answer', async () => {
    const cache = new UsageReadCache();
    const db = loader(() => [{ app: 'support', hist: { 10: 2 }, days: ['2026-11-02', '2026-11-01'], at: new Date(0) }]);
    const rows = await cache.read(scope, read('x'), db.load(read('x')));
    const row = rows[0] as { app: string; hist: Record<string, number>; days: string[]; at: Date };
    expect(() => rows.push({ app: 'x' })).toThrow(TypeError);
    expect(() => {
      row.app = 'changed';
    }).toThrow(TypeError);
    expect(() => {
      row.hist[10] = 99;
    }).toThrow(TypeError);
    expect(() => row.days.sort()).toThrow(TypeError);
    // Dates are left alone (not plain data).
    expect(Object.isFrozen(row.at)).toBe(false);
  });

  it('does not keep a failed read, nor a result over maxRows, and drops the least recently used beyond maxEntries', async () => {
    const cache = new UsageReadCache({ maxEntries: 2, maxRows: 2 });
    const failing = () => Promise.reject(new Error('connection lost'));
    await expect(cache.read(scope, read('a'), failing)).rejects.toThrow('connection lost');
    const db = loader(() => [{ app: 'a' }]);
    await cache.read(scope, read('a'), db.load(read('a')));
    expect(db.calls).toHaveLength(1);

    const big = loader(() => [{ app: '1' }, { app: '2' }, { app: '3' }]);
    await cache.read(scope, read('big'), big.load(read('big')));
    await cache.read(scope, read('big'), big.load(read('big')));
    expect(big.calls).toHaveLength(2);

    await cache.read(scope, read('b'), db.load(read('b')));
    await cache.read(scope, read('a'), db.load(read('a'))); // a is now the most recent
    await cache.read(scope, read('c'), db.load(read('c'))); // drops b
    expect(cache.stats.entries).toBe(2);
    const before = db.calls.length;
    await cache.read(scope, read('a'), db.load(read('a')));
    expect(db.calls.length).toBe(before);
    await cache.read(scope, read('b'), db.load(read('b')));
    expect(db.calls.length).toBe(before + 1);
  });

  it('bounds the rows kept in all, dropping the least recently used results first', async () => {
    const cache = new UsageReadCache({ maxTotalRows: 5 });
    const three = loader(() => [{ app: '1' }, { app: '2' }, { app: '3' }]);
    await cache.read(scope, read('a'), three.load(read('a')));
    await cache.read(scope, read('b'), three.load(read('b'))); // 6 rows: a goes
    expect(cache.stats).toMatchObject({ entries: 1, rows: 3 });
    await cache.read(scope, read('b'), three.load(read('b')));
    expect(three.calls).toHaveLength(2);
    await cache.read(scope, read('a'), three.load(read('a')));
    expect(three.calls).toHaveLength(3);
    expect(cache.stats).toMatchObject({ entries: 1, rows: 3 });
  });

  it('serves querySql only inside run(), and only statements marked as usage reads', async () => {
    const cache = new UsageReadCache();
    expect(read('a').usageRead).toBe(true);
    expect(sql('plain')`SELECT 1`.usageRead).toBe(false);
    // run() returns what its work returns; the scope is visible to querySql through AsyncLocalStorage (exercised
    // against PostgreSQL by the worker's integration tests).
    expect(await cache.run(scope, () => Promise.resolve(42))).toBe(42);
  });
});

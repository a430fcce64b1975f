import { preparedStatementNames } from '../src/client.js';

describe('prepared statement names', () => {
  it('gives each SQL text one stable name, and different texts different names', () => {
    const name = preparedStatementNames();
    const a = name({ sql: 'SELECT 1' });
    const b = name({ sql: 'SELECT 2' });
    expect(a).not.toBe('');
    expect(b).not.toBe(a);
    expect(name({ sql: 'SELECT 1' })).toBe(a);
  });

  it('stops naming new texts at the cap (they run unprepared), and keeps the names it gave', () => {
    const name = preparedStatementNames(2);
    const first = name({ sql: 'q1' });
    const second = name({ sql: 'q2' });
    expect(name({ sql: 'q3' })).toBe('');
    expect(name({ sql: 'q4' })).toBe('');
    expect([name({ sql: 'q1' }), name({ sql: 'q2' })]).toEqual([first, second]);
  });
});

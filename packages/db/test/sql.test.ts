import { sql } from '../src/sql.js';

describe('sql tagged template', () => {
  it('turns every interpolation into a numbered bind parameter, never into text', () => {
    const id = "x'; DROP TABLE users; --";
    const statement = sql('find_user')`SELECT id FROM users WHERE subject = ${id} AND created_at > ${new Date(0)} LIMIT ${5}`;
    expect(statement.name).toBe('find_user');
    expect(statement.text).toBe('SELECT id FROM users WHERE subject = $1 AND created_at > $2 LIMIT $3');
    expect(statement.values).toEqual([id, new Date(0), 5]);
    expect(statement.text).not.toContain('DROP');
  });

  it('leaves a statement without values as it is', () => {
    expect(sql('now')`SELECT now()`).toMatchObject({ text: 'SELECT now()', values: [] });
  });
});

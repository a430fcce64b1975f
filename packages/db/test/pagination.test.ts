import { randomUUID } from 'node:crypto';
import { ValidationError } from '@netra/contracts';
import { decodeCursor, encodeCursor, toPage } from '@netra/db';

describe('keyset cursors', () => {
  it('round-trips a position', () => {
    const position = { createdAt: new Date('2026-11-01T10:00:00.123Z'), id: randomUUID() };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each(['Zm9v', 'not base64 at all!', Buffer.from(JSON.stringify({ t: 'yesterday', id: 'x' })).toString('base64url')])(
    'rejects a cursor it did not issue (%s) with a typed error',
    (cursor) => {
      expect(() => decodeCursor(cursor)).toThrow(ValidationError);
    },
  );

  it('uses the extra row only to tell that there is a next page', () => {
    const rows = [3, 2, 1].map((n) => ({ id: randomUUID(), createdAt: new Date(Date.UTC(2026, 0, n)), n }));
    const first = toPage(rows, 2, (r) => r.n);
    expect(first.data).toEqual([3, 2]);
    expect(first.nextCursor).not.toBeNull();
    expect(decodeCursor(first.nextCursor as string).id).toBe(rows[1]?.id);
    const last = toPage(rows.slice(0, 2), 2, (r) => r.n);
    expect(last).toEqual({ data: [3, 2], nextCursor: null });
    expect(toPage([], 5, (r: { id: string; createdAt: Date }) => r.id)).toEqual({ data: [], nextCursor: null });
  });
});

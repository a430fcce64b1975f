import { z } from 'zod';
import { ValidationError } from '@netra/contracts';

/** A keyset position: the (created_at, id) of the last row of a page. */
export interface KeysetCursor {
  createdAt: Date;
  id: string;
}

const CursorPayload = z.object({ t: z.iso.datetime(), id: z.uuid() });

export function encodeCursor(position: KeysetCursor): string {
  return Buffer.from(JSON.stringify({ t: position.createdAt.toISOString(), id: position.id })).toString('base64url');
}

/** Decodes a cursor this service issued; anything else is a client error, never a query. */
export function decodeCursor(cursor: string): KeysetCursor {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('Invalid cursor', [{ path: ['cursor'], code: 'invalid_cursor', message: 'not a cursor issued by this API' }]);
  }
  const parsed = CursorPayload.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError('Invalid cursor', [{ path: ['cursor'], code: 'invalid_cursor', message: 'not a cursor issued by this API' }]);
  }
  return { createdAt: new Date(parsed.data.t), id: parsed.data.id };
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only tells that there is more.
 */
export function toPage<Row extends { createdAt: Date; id: string }, Out>(
  rows: Row[],
  limit: number,
  map: (row: Row) => Out,
): { data: Out[]; nextCursor: string | null } {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { data: pageRows.map(map), nextCursor: hasMore && last ? encodeCursor(last) : null };
}

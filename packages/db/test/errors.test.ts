import pg from 'pg';
import { DatabaseUnavailableError, isDatabaseUnavailable } from '@netra/db';

/** A server error as node-postgres builds it from an ErrorResponse (SQLSTATE in `code`). */
function serverError(code: string): pg.DatabaseError {
  const error = new pg.DatabaseError('server said no', 0, 'error');
  error.code = code;
  return error;
}

/** What Prisma throws for a driver-adapter failure: a known request error carrying the adapter's cause. */
function prismaError(code: string, cause?: Record<string, unknown>): Error {
  return Object.assign(new Error('prisma failed'), { code, ...(cause ? { meta: { driverAdapterError: { cause } } } : {}) });
}

describe('isDatabaseUnavailable', () => {
  it.each([
    ['the server starting up (57P03)', serverError('57P03')],
    ['an administrator shutdown (57P01)', serverError('57P01')],
    ['a crash shutdown (57P02)', serverError('57P02')],
    ['a connection failure (08006)', serverError('08006')],
    ['too many connections (53300)', serverError('53300')],
    ["Prisma's can't-reach (P1001)", prismaError('P1001')],
    ["Prisma's connection closed (P1017)", prismaError('P1017')],
    ["Prisma's pool timeout (P2024)", prismaError('P2024')],
    ['a raw query failing on 57P01 through the adapter', prismaError('P2010', { kind: 'postgres', originalCode: '57P01' })],
    ['the adapter saying the connection closed', prismaError('P2010', { kind: 'ConnectionClosed' })],
    ['a refused socket', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a wrapped connection failure', new DatabaseUnavailableError(new Error('Connection terminated unexpectedly'))],
    ['an outage as the cause of another error', new Error('agent failed', { cause: serverError('57P03') })],
  ])('recognises %s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation (23505)', serverError('23505')],
    ['a syntax error (42601)', serverError('42601')],
    ['a foreign key violation through Prisma (P2003)', prismaError('P2003')],
    ['a raw query failing on a constraint through the adapter', prismaError('P2010', { kind: 'postgres', originalCode: '23505' })],
    ['a plain bug', new TypeError('x is undefined')],
    ['a message that merely mentions a connection', new Error('Connection terminated unexpectedly')],
    ['not an error at all', 'ECONNREFUSED'],
  ])('does not take %s for an outage', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

import pg from 'pg';

/**
 * Thrown by `querySql`/`transactionSql` when the statement never reached a working server (refused, reset, pool
 * connect timeout, connection terminated): node-postgres rejects those with plain `Error`s, so the wrapper marks
 * them here, where it still knows the failure came from the connection and not from the statement.
 */
export class DatabaseUnavailableError extends Error {
  readonly code = 'database_unavailable';

  constructor(cause: unknown) {
    super(`PostgreSQL is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * SQLSTATEs that mean "the server cannot serve anyone right now", not "this statement is wrong": connection
 * exceptions (class 08), admin/crash shutdown and "starting up" (57P01–57P03), too many connections (53300),
 * and system errors (class 58).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300|58...)$/;

/** Prisma's codes for the same (driver-adapter errors mapped by Prisma): not reachable, timeout, closed, pool. */
const UNAVAILABLE_PRISMA = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);

/** The driver adapter's kinds for them (`@prisma/driver-adapter-utils`). */
const UNAVAILABLE_ADAPTER_KIND = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TlsConnectionError']);

/** Socket errnos of a connection that failed or dropped. */
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * Whether an error means PostgreSQL is down, restarting or unreachable — a condition to wait out, never a reason
 * to fail a run or blame the request. Sorted by type and code (SQLSTATE, Prisma code, adapter kind, errno),
 * never by message text; follows `cause` and Prisma's `meta.driverAdapterError` chains.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== null && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    if (current instanceof DatabaseUnavailableError) return true;
    const fields = current as { code?: unknown; kind?: unknown; originalCode?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
    const code = typeof fields.code === 'string' ? fields.code : undefined;
    if (current instanceof pg.DatabaseError) return code !== undefined && UNAVAILABLE_SQLSTATE.test(code);
    if (code !== undefined && (UNAVAILABLE_PRISMA.has(code) || UNAVAILABLE_ERRNO.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
    if (typeof fields.kind === 'string' && UNAVAILABLE_ADAPTER_KIND.has(fields.kind)) return true;
    if (typeof fields.originalCode === 'string' && UNAVAILABLE_SQLSTATE.test(fields.originalCode)) return true;
    current = fields.meta?.driverAdapterError ?? fields.cause;
  }
  return false;
}

/**
 * What node-postgres threw for a statement, sorted: a server's answer (`DatabaseError`, with a SQLSTATE) or a bad
 * argument stay as they are; anything else came from the connection and becomes a `DatabaseUnavailableError`.
 */
export function classifyDriverError(error: unknown): unknown {
  if (error instanceof pg.DatabaseError || error instanceof TypeError || error instanceof RangeError) return error;
  if (error instanceof DatabaseUnavailableError) return error;
  return new DatabaseUnavailableError(error);
}

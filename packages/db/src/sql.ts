import type { PrismaClient } from './generated/prisma/client.js';
import { poolOf } from './client.js';
import { classifyDriverError, isDatabaseUnavailable } from './errors.js';
import { activeUsageReads } from './read-cache.js';

const statement = Symbol('netra.sql');

/** A parameterised statement: its text with `$1…$n` placeholders and the values bound to them. */
export interface SqlStatement {
  readonly [statement]: true;
  /** Prepared once per connection under this name (unless prepared statements are off); one name, one text. */
  readonly name: string;
  readonly text: string;
  readonly values: readonly unknown[];
  /** A read of the user's usage rollups that a worker may serve from its UsageReadCache (see read-cache.ts). */
  readonly usageRead: boolean;
}

export interface SqlOptions {
  /**
   * The statement reads only the usage rollup tables (`usage_rollups`, `usage_dimension_rollups`) of the user its
   * parameters name, and its result depends on nothing but those parameters, those rows and the UTC day: inside a
   * run, the worker's UsageReadCache may answer it for the run's usage revision.
   */
  usageRead?: boolean;
}

/**
 * `sql('name')\`SELECT … WHERE id = ${id}\`` → a statement whose values are bind parameters, never spliced into
 * the text: like Prisma's `$queryRaw` tagged template, the only way to build one, so SQL injection cannot come in
 * through it either.
 */
export function sql(name: string, options: SqlOptions = {}) {
  return (strings: TemplateStringsArray, ...values: unknown[]): SqlStatement => ({
    [statement]: true,
    name,
    text: strings.reduce((text, part, i) => `${text}$${String(i)}${part}`),
    values,
    usageRead: options.usageRead ?? false,
  });
}

/**
 * Runs one statement straight on the pool under Prisma (prepared, like Prisma's own, unless that is off). For the few bulk statements whose
 * parameters are large: Prisma serialises every raw-query argument to JSON and parses it back before the driver
 * sees it (a 1,000-event import batch is a ~300 KB string: that round trip was a sixth of the gateway's CPU during
 * an import). Everything else goes through Prisma.
 */
export async function querySql<Row extends Record<string, unknown>>(db: PrismaClient, query: SqlStatement): Promise<Row[]> {
  const reads = query.usageRead ? activeUsageReads() : undefined;
  if (reads) return reads.cache.read(reads.scope, query, () => runSql<Row>(db, query));
  return runSql<Row>(db, query);
}

async function runSql<Row extends Record<string, unknown>>(db: PrismaClient, query: SqlStatement): Promise<Row[]> {
  const { pool, prepared } = poolOf(db);
  try {
    const result = await pool.query<Row>({ ...(prepared ? { name: query.name } : {}), text: query.text, values: [...query.values] });
    return result.rows;
  } catch (error) {
    throw classifyDriverError(error);
  }
}

/** Runs statements on one connection of the pool, inside a transaction: the statements `run` gives to `query`. */
export type SqlQuery = <Row extends Record<string, unknown>>(query: SqlStatement) => Promise<Row[]>;

/**
 * `querySql` inside one transaction: BEGIN, `work(query)`, COMMIT — or ROLLBACK when `work` throws (the error goes
 * on to the caller). For the bulk maintenance statements that must commit together (a rollup rebuild).
 */
export async function transactionSql<T>(db: PrismaClient, work: (query: SqlQuery) => Promise<T>): Promise<T> {
  const { pool, prepared } = poolOf(db);
  const client = await pool.connect().catch((error: unknown) => {
    throw classifyDriverError(error);
  });
  // A connection whose ROLLBACK failed is broken: released with the error, the pool closes it instead of reusing it.
  let broken: Error | undefined;
  // Only what the driver threw is sorted (a connection failure becomes DatabaseUnavailableError); `work`'s own
  // errors go on to the caller as they are.
  const run = async <Row extends Record<string, unknown>>(q: { name?: string; text: string; values?: unknown[] }) =>
    client.query<Row>(q).catch((error: unknown) => {
      throw classifyDriverError(error);
    });
  try {
    await run({ text: 'BEGIN' });
    const query: SqlQuery = async <Row extends Record<string, unknown>>(q: SqlStatement) =>
      (await run<Row>({ ...(prepared ? { name: q.name } : {}), text: q.text, values: [...q.values] })).rows;
    const result = await work(query);
    await run({ text: 'COMMIT' });
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * Whether PostgreSQL answers right now: for errors the driver could not type (is this failure an outage?) and for
 * polling until an outage is over. Other failures of the probe go on to the caller.
 */
export async function databaseReachable(db: PrismaClient): Promise<boolean> {
  try {
    await querySql(db, sql('db_probe')`SELECT 1 AS ok`);
    return true;
  } catch (error) {
    if (isDatabaseUnavailable(error)) return false;
    throw error;
  }
}

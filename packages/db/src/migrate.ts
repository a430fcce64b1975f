import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

/** The advisory lock id `prisma migrate` takes, so our runner and Prisma's exclude each other. */
const PRISMA_MIGRATE_LOCK_ID = 72707369;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateOptions {
  databaseUrl: string;
  /** Folder of `<timestamp>_<name>/migration.sql` folders. */
  migrationsDir: string;
  /** Create the database named in the URL when it does not exist. Default true. */
  createDatabase?: boolean;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
  createdDatabase: boolean;
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migration?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const out: MigrationFile[] = [];
  for (const name of names) {
    const file = path.join(migrationsDir, name, 'migration.sql');
    try {
      await stat(file);
    } catch {
      throw new MigrationError(`migration folder ${name} has no migration.sql`, name);
    }
    const sql = await readFile(file, 'utf8');
    out.push({ name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return out;
}

/** Creates the database in `databaseUrl` if it is missing. Safe when several processes race to create it. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const target = new URL(databaseUrl);
  const database = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(database)) {
    throw new MigrationError(`database name ${JSON.stringify(database)} must be 1..63 of letters, digits, _ and -`);
  }
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    // Replicas starting together serialise on an advisory lock, so exactly one creates the database and the
    // others only see it once it is complete.
    await client.query("SELECT pg_advisory_lock(hashtext('netra:create-database:' || $1))", [database]);
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount && exists.rowCount > 0) return false;
    await client.query(`CREATE DATABASE "${database}"`);
    return true;
  } finally {
    await client.end();
  }
}

/** Drops a database (tests and tooling). Terminates its connections first. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const target = new URL(databaseUrl);
  const database = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database.replace(/"/g, '')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies pending migrations the way `prisma migrate deploy` does: under Prisma's advisory lock, in name order,
 * recording each in `_prisma_migrations` with the sha256 checksum of its SQL. Each migration runs in its own
 * transaction, so a failing one leaves no half-applied schema; it is recorded as failed (finished_at NULL)
 * and later runs refuse to continue until it is resolved, as Prisma does (P3009).
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const log = options.log ?? (() => undefined);
  const createdDatabase = options.createDatabase === false ? false : await ensureDatabase(options.databaseUrl);
  if (createdDatabase) log('created database', { database: new URL(options.databaseUrl).pathname.slice(1) });

  const migrations = await readMigrations(options.migrationsDir);
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_ID]);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const rows = (
        await client.query<AppliedRow>(
          'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
        )
      ).rows;

      const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
      if (failed) {
        throw new MigrationError(
          `migration ${failed.migration_name} failed earlier and was not resolved; fix the database, then mark it ` +
            `rolled back (UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '…') and rerun`,
          failed.migration_name,
        );
      }
      const applied = new Map(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => [r.migration_name, r]));
      const known = new Set(migrations.map((m) => m.name));
      for (const name of applied.keys()) {
        if (!known.has(name)) log('database has a migration this code does not know (newer deployment?)', { migration: name });
      }

      const done: string[] = [];
      for (const migration of migrations) {
        const row = applied.get(migration.name);
        if (row) {
          if (row.checksum !== migration.checksum) {
            log('applied migration was modified after it was applied', { migration: migration.name });
          }
          continue;
        }
        const id = randomUUID();
        await client.query(
          'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
          [id, migration.checksum, migration.name],
        );
        try {
          await client.query('BEGIN');
          await client.query(migration.sql);
          await client.query(
            'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
            [id],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          const message = error instanceof Error ? error.message : String(error);
          await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, message]);
          throw new MigrationError(`migration ${migration.name} failed: ${message}`, migration.name, { cause: error });
        }
        log('applied migration', { migration: migration.name });
        done.push(migration.name);
      }
      return { applied: done, alreadyApplied: applied.size, createdDatabase };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_ID]);
    }
  } finally {
    await client.end();
  }
}

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { dropDatabase, migrate, readMigrations } from '@netra/db';
import { MIGRATIONS_DIR, ROOT } from '../support/paths.js';
import { PG_BASE } from '../support/services.js';

const run = promisify(execFile);

describe('database migrations', () => {
  const databaseUrl = `${PG_BASE}/netra_t_migrate_${process.pid}_${Date.now()}`;

  afterAll(async () => {
    await dropDatabase(databaseUrl);
  });

  it('creates a missing database and applies each migration once when replicas race', async () => {
    const results = await Promise.all([1, 2, 3].map(() => migrate({ databaseUrl, migrationsDir: MIGRATIONS_DIR })));
    const files = await readMigrations(MIGRATIONS_DIR);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(files.map((f) => f.name).sort());
    expect(results.filter((r) => r.createdDatabase)).toHaveLength(1);

    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const rows = (await client.query('SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name')).rows;
      // Recorded exactly as `prisma migrate deploy` records them, so Prisma's own CLI agrees with this runner.
      expect(rows).toHaveLength(files.length);
      for (const [i, row] of rows.entries()) {
        const sql = await readFile(path.join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'), 'utf8');
        expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
        expect(row.finished_at).not.toBeNull();
        expect(row.applied_steps_count).toBe(1);
        expect(row.migration_name).toBe(files[i]?.name);
      }
      const tables = (await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.tablename);
      expect(tables).toEqual(expect.arrayContaining(['users', 'threads', 'messages', 'runs', 'run_steps', 'usage_events', 'model_catalog']));
    } finally {
      await client.end();
    }

    const again = await migrate({ databaseUrl, migrationsDir: MIGRATIONS_DIR });
    expect(again.applied).toEqual([]);
  });

  it('schema.prisma and the committed migrations agree (Prisma schema engine, Wasm)', async () => {
    const { stdout } = await run(process.execPath, [path.join(ROOT, 'scripts/dist/db-diff.js'), '--check'], {
      env: { ...process.env, DATABASE_URL: `${PG_BASE}/postgres` },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/agree/);
  });
});

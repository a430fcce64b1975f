import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

// Prisma parameterises every query built with its API and every `$queryRaw`/`$executeRaw` *tagged template*.
// SQL injection comes back only through the string-taking escape hatches; this test keeps them out of our code.

const ROOT = process.cwd();
const SOURCE_DIRS = ['apps', 'packages'].flatMap((top) =>
  readdirSync(path.join(ROOT, top)).map((name) => path.join(top, name, 'src')),
).concat(['scripts/src']);

function sourceFiles(dir: string): string[] {
  const full = path.join(ROOT, dir);
  let entries: string[];
  try {
    entries = readdirSync(full);
  } catch {
    return []; // a workspace without src/ (e.g. only config)
  }
  return entries.flatMap((name) => {
    if (name === 'node_modules' || name === 'generated' || name === 'dist') return [];
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return /\.(ts|tsx|mts|js|mjs)$/.test(name) ? [rel] : [];
  });
}

interface Hit {
  file: string;
  line: number;
  text: string;
}

function find(pattern: RegExp): Hit[] {
  const hits: Hit[] = [];
  for (const file of SOURCE_DIRS.flatMap(sourceFiles)) {
    readFileSync(path.join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((text, i) => {
        if (pattern.test(text)) hits.push({ file, line: i + 1, text: text.trim() });
      });
  }
  return hits;
}

describe('raw SQL in our code', () => {
  it('scans every workspace', () => {
    const files = SOURCE_DIRS.flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain(path.join('apps', 'gateway', 'src', 'services', 'messages.ts'));
  });

  it('never uses $queryRawUnsafe / $executeRawUnsafe / Prisma.raw', () => {
    expect(find(/\$(queryRaw|executeRaw)Unsafe\b|Prisma\.raw\s*\(/)).toEqual([]);
  });

  it('uses $queryRaw / $executeRaw only as tagged templates (values become bind parameters)', () => {
    expect(find(/\$(queryRaw|executeRaw)\s*(<[^`]*?>)?\s*\(/)).toEqual([]);
  });

  it('reaches the pool under Prisma only through querySql, whose statements only the sql tag builds', () => {
    expect(find(/\bpoolOf\(/).filter((h) => !h.file.startsWith(path.join('packages', 'db', 'src')))).toEqual([]);
    const calls = find(/\bquerySql[<(]/).filter((h) => !h.file.startsWith(path.join('packages', 'db', 'src')));
    expect(calls.length).toBeGreaterThan(0);
  });

  it('builds no node-postgres query by interpolation, except DDL on a validated database name', () => {
    const interpolated = find(/\.query\(\s*`[^`]*\$\{/).map((h) => `${h.file}: ${h.text}`);
    // Database names cannot be bind parameters. These come from the operator's DATABASE_URL, checked against
    // /^[A-Za-z0-9_-]{1,63}$/ (or stripped of quotes), or are generated (db-diff's shadow database:
    // netra_shadow_<uuid hex>). Never from a request. A new entry here needs the same care.
    expect(interpolated.sort()).toEqual(
      [
        'packages/db/src/migrate.ts: await client.query(`CREATE DATABASE "${database}"`);',
        'packages/db/src/migrate.ts: await client.query(`DROP DATABASE IF EXISTS "${database.replace(/"/g, \'\')}" WITH (FORCE)`);',
        'scripts/src/db-diff.ts: await admin.query(`CREATE DATABASE "${database}"`);',
        'scripts/src/db-diff.ts: await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);',
      ].sort(),
    );
  });
});

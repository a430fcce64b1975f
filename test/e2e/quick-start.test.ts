import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, readlink, rm, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { dropDatabase } from '@netra/db';
import { ImportResult, UsageSummary } from '@netra/contracts';
import { ROOT } from '../support/paths.js';
import { deleteKeys, PG_BASE, REDIS_URL } from '../support/services.js';
import { freePort } from '../support/redis-server.js';

// The README's quick start, run as written from a clean clone of this commit: the `quick-start:server` block
// (`npm ci`, `npm start`) and then the `quick-start:client` block in bash. Two adaptations, both outside the
// commands: `npm ci` is replaced by linking this checkout's installed node_modules into the clone (the packages
// `npm ci` would install from the same package-lock.json; an install costs ~30 s of CPU and needs the registry,
// linking costs nothing — workspace links are recreated so they point into the clone), and the stack gets a port,
// database and Redis prefix of its own (PORT, DATABASE_URL, REDIS_PREFIX; `localhost:3000` in the commands becomes
// that port) so it runs beside other tests and never touches a developer's `npm start`.
// The clone is built from nothing by `npm start` itself (no dist, no generated Prisma client), so this also checks
// that the first start works on a fresh checkout, and that a second start rebuilds nothing.

const START_TIMEOUT_MS = 8 * 60_000;
const TEST_TIMEOUT_MS = 15 * 60_000;

let clone: string | undefined;
let databaseUrl: string | undefined;
let prefix: string | undefined;
const started: ChildProcess[] = [];

/** The fenced bash block that follows `<!-- quick-start:<name> … -->` in the README. */
function block(readme: string, name: string): string {
  const at = readme.indexOf(`<!-- quick-start:${name}`);
  if (at === -1) throw new Error(`README has no quick-start:${name} block`);
  const match = /```bash\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!match?.[1]) throw new Error(`quick-start:${name} is not followed by a bash block`);
  return match[1];
}


/** node_modules of the clone: links to this checkout's packages, with the workspace links pointing into the clone. */
async function linkDependencies(into: string): Promise<void> {
  const modules = path.join(into, 'node_modules');
  await mkdir(modules);
  for (const entry of await readdir(path.join(ROOT, 'node_modules'))) {
    if (entry === '@netra') continue;
    await symlink(path.join(ROOT, 'node_modules', entry), path.join(modules, entry));
  }
  await mkdir(path.join(modules, '@netra'));
  for (const entry of await readdir(path.join(ROOT, 'node_modules/@netra'))) {
    // Relative (`../../packages/db`): the same link inside the clone points at the clone's own workspace.
    await symlink(await readlink(path.join(ROOT, 'node_modules/@netra', entry)), path.join(modules, '@netra', entry));
  }
  const web = path.join(ROOT, 'apps/web/node_modules');
  if (existsSync(web)) await symlink(web, path.join(into, 'apps/web/node_modules'));
}

interface Start {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the ms from spawn to the gateway's "listening" line; rejects when npm start exits first. */
  ready: Promise<number>;
  exited: Promise<number | null>;
}

function npmStart(cwd: string, env: NodeJS.ProcessEnv): Start {
  const begun = performance.now();
  // Its own process group, so stopping it reaches the launcher and the gateway and worker it started.
  const child = spawn('npm', ['start'], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let text = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start was not ready after ${START_TIMEOUT_MS} ms:\n${text.slice(-4000)}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('"gateway listening"')) {
        clearTimeout(timer);
        resolve(performance.now() - begun);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before it was ready:\n${text.slice(-4000)}`));
    });
  });
  // Marks the rejection handled until the test awaits `ready` (it always does, and sees the rejection then).
  ready.catch(() => undefined);
  return { child, output: () => text, ready, exited };
}

async function stop(start: Start): Promise<void> {
  if (start.child.exitCode !== null || start.child.signalCode !== null || start.child.pid === undefined) return;
  process.kill(-start.child.pid, 'SIGTERM');
  await start.exited;
}

afterAll(async () => {
  for (const child of started) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (error) {
        // Already gone between the check and the kill: nothing left to stop.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
  }
  if (clone) await rm(clone, { recursive: true, force: true });
  if (databaseUrl) await dropDatabase(databaseUrl);
  if (prefix) await deleteKeys(REDIS_URL, `${prefix}:*`);
});

it('runs the README quick start from a clean clone: first start builds everything, the sample imports, a run answers', async () => {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  clone = await mkdtemp(path.join(tmpdir(), 'netra-quick-start-'));
  expect(spawnSync('git', ['clone', '--quiet', '--no-checkout', ROOT, clone]).status).toBe(0);
  expect(spawnSync('git', ['-C', clone, 'checkout', '--quiet', head]).status).toBe(0);

  const readme = await readFile(path.join(clone, 'README.md'), 'utf8');
  // The server block is exactly these two commands; if it changes, this test must learn the new ones.
  expect(block(readme, 'server').trim().split('\n')).toEqual(['npm ci', 'npm start']);
  await linkDependencies(clone);

  const port = await freePort();
  const id = randomBytes(4).toString('hex');
  databaseUrl = `${PG_BASE}/netra_t_quickstart_${id}`;
  prefix = `t_quickstart_${id}`;
  // As a new user runs it: no JWT_SECRET (the development secret, announced once by npm start).
  const { JWT_SECRET: _unset, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    PORT: String(port),
    WORKER_HTTP_PORT: '0',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    LOG_FORMAT: 'json',
    NODE_ENV: 'development',
  };

  const first = npmStart(clone, env);
  const firstMs = await first.ready;
  expect(first.output()).toMatch(/build: web client built/);
  expect(first.output()).toMatch(/"created database"|"createdDatabase":true/);
  // The launcher, the gateway and the worker all read the configuration; its warning is printed once.
  expect(first.output().match(/JWT_SECRET is not set/g)).toHaveLength(1);

  const script = block(readme, 'client').replaceAll('localhost:3000', `localhost:${port}`);
  const client = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: clone, env, encoding: 'utf8', timeout: 5 * 60_000 });
  expect(client.stderr).toBe('');
  expect(client.status).toBe(0);
  const out = client.stdout;

  // The import's answer and the summary's, each on a line of its own (`curl -w '\\n'`), then the run's stream.
  const answers = out.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as unknown);
  const imported = answers.map((a) => ImportResult.safeParse(a)).find((r) => r.success)?.data;
  const lines = (await readFile(path.join(clone, 'examples/usage.jsonl'), 'utf8')).trim().split('\n').length;
  expect(imported).toMatchObject({ accepted: lines, rejected: 0, unpricedModels: ['acme-coder-7b'] });
  const summary = answers.map((a) => UsageSummary.safeParse(a)).find((r) => r.success)?.data;
  expect(summary?.totals.requests).toBe(lines);
  expect(summary?.byApp.map((a) => a.app).sort()).toEqual(['agent-tools', 'autocomplete', 'docs-rag', 'nightly-batch', 'support-chat']);
  const events = [...out.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
  expect(events[0]).toBe('agent_started');
  expect(events.at(-1)).toBe('agent_completed');
  expect(events.filter((e) => e === 'sub_agent_update')).toHaveLength(10);

  // A second start rebuilds nothing.
  await stop(first);
  const second = npmStart(clone, env);
  const secondMs = await second.ready;
  expect(second.output()).toMatch(/build: prisma client up to date/);
  expect(second.output()).toMatch(/build: web client up to date/);
  await stop(second);
  // Information for docs/BENCHMARKS.md, not a pass/fail criterion (machines differ; see scripts/src/bench).
  process.stdout.write(`quick start: first npm start ready in ${(firstMs / 1000).toFixed(1)} s, second in ${(secondMs / 1000).toFixed(1)} s\n`);
}, TEST_TIMEOUT_MS);

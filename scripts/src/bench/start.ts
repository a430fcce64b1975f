#!/usr/bin/env node
/**
 * `npm run bench:start`: what `npm start`'s build step costs, on a clean clone of this commit (node_modules linked
 * from this checkout, as the quick-start test does), against the build it replaced (`npm run build`, which also
 * type-checks the web client and its tests and bundles every time) measured in the same run:
 *
 *   1. first start: `scripts/prestart.mjs` on a clone with nothing built;
 *   2. second start: `scripts/prestart.mjs` again, nothing changed;
 *   3. baseline second start: `npm run build` on the built clone (the old prestart);
 *   4. baseline first start: `npm run build` after removing every build output.
 *
 * For each: wall time and CPU time of the build's processes (utime + stime of the waited-for children, from
 * /proc/self/stat), and the ratios. Prints one line per step and a summary; `BENCH_START_SKIP_BASELINE=1` skips 3–4.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, readlink, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBenchmark } from './scratch.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TICK_MS = 10;

/** CPU ms (user + system) of every child this process has waited for so far: fields cutime and cstime. */
async function childrenCpuMs(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

interface Measured {
  wallMs: number;
  cpuMs: number;
}

async function measure(label: string, cwd: string, command: string, args: string[]): Promise<Measured> {
  const cpuBefore = await childrenCpuMs();
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`${label} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  const cpuMs = (await childrenCpuMs()) - cpuBefore;
  process.stdout.write(`${label.padEnd(46)} wall ${(wallMs / 1000).toFixed(1).padStart(6)} s   CPU ${(cpuMs / 1000).toFixed(1).padStart(6)} s\n`);
  return { wallMs, cpuMs };
}

async function linkDependencies(into: string): Promise<void> {
  const modules = path.join(into, 'node_modules');
  await mkdir(modules);
  for (const entry of await readdir(path.join(root, 'node_modules'))) {
    if (entry !== '@netra') await symlink(path.join(root, 'node_modules', entry), path.join(modules, entry));
  }
  await mkdir(path.join(modules, '@netra'));
  for (const entry of await readdir(path.join(root, 'node_modules/@netra'))) {
    await symlink(await readlink(path.join(root, 'node_modules/@netra', entry)), path.join(modules, '@netra', entry));
  }
  const web = path.join(root, 'apps/web/node_modules');
  if (existsSync(web)) await symlink(web, path.join(into, 'apps/web/node_modules'));
}

/** Every build output: what a fresh clone does not have. */
async function removeBuildOutputs(clone: string): Promise<void> {
  const dirs = ['apps', 'packages'];
  for (const parent of dirs) {
    for (const name of await readdir(path.join(clone, parent))) {
      await rm(path.join(clone, parent, name, 'dist'), { recursive: true, force: true });
      await rm(path.join(clone, parent, name, 'tsconfig.tsbuildinfo'), { force: true });
    }
  }
  await rm(path.join(clone, 'scripts/dist'), { recursive: true, force: true });
  await rm(path.join(clone, 'scripts/tsconfig.tsbuildinfo'), { force: true });
  await rm(path.join(clone, 'packages/db/src/generated'), { recursive: true, force: true });
}

async function main(): Promise<void> {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  const clone = await mkdtemp(path.join(tmpdir(), 'netra-bench-start-'));
  try {
    spawnSync('git', ['clone', '--quiet', '--no-checkout', root, clone]);
    spawnSync('git', ['-C', clone, 'checkout', '--quiet', head]);
    await linkDependencies(clone);
    process.stdout.write(`npm start build step on a clean clone of ${head.slice(0, 12)} (${clone})\n`);
    const first = await measure('first start (prestart.mjs, nothing built)', clone, process.execPath, ['scripts/prestart.mjs']);
    const second = await measure('second start (prestart.mjs, nothing changed)', clone, process.execPath, ['scripts/prestart.mjs']);
    if (process.env.BENCH_START_SKIP_BASELINE === '1') return;
    const oldSecond = await measure('baseline: npm run build, nothing changed', clone, 'npm', ['run', 'build']);
    await removeBuildOutputs(clone);
    const oldFirst = await measure('baseline: npm run build, nothing built', clone, 'npm', ['run', 'build']);
    const ratio = (a: Measured, b: Measured) => `${(a.wallMs / b.wallMs).toFixed(2)}× wall, ${(a.cpuMs / b.cpuMs).toFixed(2)}× CPU`;
    process.stdout.write(`first start: ${ratio(first, oldFirst)} of the old build; second start: ${ratio(second, oldSecond)}\n`);
  } finally {
    await rm(clone, { recursive: true, force: true });
  }
}

runBenchmark(main);

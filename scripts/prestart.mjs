#!/usr/bin/env node
// `npm start`'s build step (the `prestart` script): builds only what is missing or older than its sources, so a
// second start is ready in seconds. Plain JavaScript because it runs before anything is compiled.
//
//   1. `prisma generate` when the generated client is missing or older than prisma/schema.prisma;
//   2. `tsc -b`: incremental through the project references (up-to-date projects are only stat-ed);
//   3. the web bundle (`vite build`) when apps/web/dist is missing or older than the client's sources (apps/web
//      src, public, index.html, vite.config.ts, package.json, and packages/contracts/src, which Vite bundles).
//
// The bundle needs nothing tsc emits (Vite reads the contracts' sources), so it is built while 1–2 run: on a clean
// checkout that overlaps Vite's worker threads with tsc's single thread.
// Never type-checks tests (the web client's test config included): that is `npm run build` / `npm test`'s job.
// Each step prints one line saying what it did and how long it took.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Newest modification time (ms) of a file or of every file below a folder; 0 when absent. */
function newest(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = 0;
  for (const entry of readdirSync(target, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    max = Math.max(max, newest(path.join(target, entry.name)));
  }
  return max;
}

function mtime(file) {
  return existsSync(file) ? statSync(file).mtimeMs : 0;
}

/** The steps running now: a failing step stops the other before the build exits. */
const running = new Set();

/** Runs a step, prints `build: <name> <what> (<s> s)`, exits with its status when it fails. */
function step(name, args, why, cwd = root) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, stdio: 'inherit', env: process.env });
    running.add(child);
    child.once('exit', (code, signal) => {
      running.delete(child);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (code !== 0) {
        console.error(`build: ${name} failed (exit ${code ?? signal}); fix the error above and run npm start again`);
        for (const other of running) other.kill('SIGTERM');
        process.exit(code ?? 1);
      }
      console.log(`build: ${name} ${why} (${seconds} s)`);
      resolve();
    });
  });
}

function skip(name, why) {
  console.log(`build: ${name} ${why}`);
}

async function compile() {
  const schema = path.join(root, 'prisma/schema.prisma');
  const client = path.join(root, 'packages/db/src/generated/prisma/client.ts');
  if (mtime(client) === 0 || mtime(client) < mtime(schema)) {
    await step('prisma client', [path.join(root, 'scripts/prisma.mjs'), 'generate'], mtime(client) === 0 ? 'generated' : 'regenerated (schema changed)');
  } else {
    skip('prisma client', 'up to date');
  }
  await step('typescript', [require.resolve('typescript/bin/tsc'), '-b'], 'compiled what changed (tsc -b)');
}

async function bundleWeb() {
  const web = path.join(root, 'apps/web');
  const bundle = path.join(web, 'dist/index.html');
  const sources = Math.max(
    newest(path.join(web, 'src')),
    newest(path.join(web, 'public')),
    mtime(path.join(web, 'index.html')),
    mtime(path.join(web, 'vite.config.ts')),
    mtime(path.join(web, 'package.json')),
    newest(path.join(root, 'packages/contracts/src')),
  );
  if (mtime(bundle) === 0 || mtime(bundle) < sources) {
    const vite = path.join(path.dirname(require.resolve('vite/package.json', { paths: [web] })), 'bin/vite.js');
    await step('web client', [vite, 'build', '--logLevel', 'warn'], mtime(bundle) === 0 ? 'built' : 'rebuilt (sources changed)', web);
  } else {
    skip('web client', 'up to date');
  }
}

await Promise.all([compile(), bundleWeb()]);

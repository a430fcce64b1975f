#!/usr/bin/env node
/**
 * `npm start`: applies migrations (creating the database if missing), then runs one gateway and WORKERS worker
 * processes, restarting any that crash. SIGTERM/SIGINT are passed on and the launcher exits when all have.
 * For fleets and containers run `npm run gateway` / `npm run worker` directly instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@netra/config';
import { migrate } from '@netra/db';
import { configureLogging, errorFields, logger } from '@netra/observability';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Managed {
  name: string;
  script: string;
  env: NodeJS.ProcessEnv;
  child?: ChildProcess;
  restarts: number;
}

let stopping = false;

function launch(proc: Managed): void {
  const child = spawn(process.execPath, [path.join(root, proc.script)], { env: proc.env, stdio: 'inherit' });
  proc.child = child;
  child.on('exit', (code, signal) => {
    proc.child = undefined;
    if (stopping) return;
    proc.restarts += 1;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(proc.restarts, 6));
    logger.error('process exited; restarting', { process: proc.name, code, signal, inMs: delay });
    setTimeout(() => launch(proc), delay).unref();
  });
}

async function main(): Promise<void> {
  const { config, warnings } = loadConfig();
  configureLogging({ service: 'launcher', level: config.LOG_LEVEL });
  for (const warning of warnings) logger.warn(warning);

  const result = await migrate({
    databaseUrl: config.DATABASE_URL,
    migrationsDir: path.join(root, 'prisma/migrations'),
    log: (message, fields) => logger.info(message, fields),
  });
  logger.info('database ready', { applied: result.applied.length, createdDatabase: result.createdDatabase });

  const processes: Managed[] = [{ name: 'gateway', script: 'apps/gateway/dist/main.js', env: process.env, restarts: 0 }];
  for (let i = 0; i < config.WORKERS; i += 1) {
    processes.push({
      name: `worker-${i + 1}`,
      script: 'apps/worker/dist/main.js',
      env: { ...process.env, WORKER_HTTP_PORT: String(config.WORKER_HTTP_PORT === 0 ? 0 : config.WORKER_HTTP_PORT + i) },
      restarts: 0,
    });
  }
  for (const proc of processes) launch(proc);
  logger.info('netra started', { url: `http://localhost:${config.PORT}`, workers: config.WORKERS });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    const running = processes.filter((p) => p.child);
    let left = running.length;
    if (left === 0) process.exit(0);
    for (const proc of running) {
      proc.child?.once('exit', () => {
        left -= 1;
        if (left === 0) process.exit(0);
      });
      proc.child?.kill('SIGTERM');
    }
    setTimeout(() => {
      for (const proc of processes) proc.child?.kill('SIGKILL');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + 5_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  logger.error('start failed', errorFields(error));
  process.exit(1);
});

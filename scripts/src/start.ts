#!/usr/bin/env node
/**
 * `npm start`: checks that the ports are free, applies migrations (creating the database if missing), then runs one
 * gateway and WORKERS worker processes, restarting any that crash. SIGTERM/SIGINT are passed on and the launcher
 * exits when all have. For fleets and containers run `npm run gateway` / `npm run worker` directly instead.
 * (The build before it is `scripts/prestart.mjs`: only what changed.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayNodeFlags, loadConfig } from '@netra/config';
import { migrate } from '@netra/db';
import { configureLogging, errorFields, logger, warnedOnce, warnOnce } from '@netra/observability';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Managed {
  name: string;
  script: string;
  /** V8 flags before the script (heap sizes: see gatewayNodeFlags). */
  nodeFlags: string[];
  env: NodeJS.ProcessEnv;
  child?: ChildProcess;
  restarts: number;
}

let stopping = false;

/** A port `npm start` needs is taken: the processes would only crash and be restarted in a loop. */
export class PortInUseError extends Error {
  readonly code = 'port_in_use';

  constructor(
    readonly variable: string,
    readonly port: number,
    readonly host: string,
  ) {
    super(
      `Port ${port} (${variable}) on ${host} is already in use: is Netra already running, e.g. \`npm start\` in another terminal? ` +
        `Stop it, or pick another port: ${variable}=${port + 1} npm start`,
    );
    this.name = 'PortInUseError';
  }
}

/**
 * Resolves when `port` can be bound on `host` (it is released again at once), rejects with PortInUseError when
 * another process holds it. Checked before anything starts, so a second `npm start` fails fast with a clear
 * message and exit 1 instead of a restart loop. (Another process could still take the port in between; then the
 * child's own EADDRINUSE is what you see.)
 */
function ensureFree(variable: string, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(variable, port, host) : error);
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

function launch(proc: Managed): void {
  const child = spawn(process.execPath, [...proc.nodeFlags, path.join(root, proc.script)], { env: proc.env, stdio: 'inherit' });
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
  configureLogging({ service: 'launcher', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  for (const warning of warnings) warnOnce(warning);

  await ensureFree('PORT', config.PORT, config.HOST);
  if (config.WORKER_HTTP_PORT !== 0) {
    for (let i = 0; i < config.WORKERS; i += 1) await ensureFree('WORKER_HTTP_PORT', config.WORKER_HTTP_PORT + i, '0.0.0.0');
  }

  const result = await migrate({
    databaseUrl: config.DATABASE_URL,
    migrationsDir: path.join(root, 'prisma/migrations'),
    log: (message, fields) => logger.info(message, fields),
  });
  logger.info('database ready', { applied: result.applied.length, createdDatabase: result.createdDatabase });

  // The children read the same configuration: the warnings printed above are not printed again by each of them.
  const env: NodeJS.ProcessEnv = { ...process.env, NETRA_WARNED_ONCE: JSON.stringify(warnedOnce()) };
  // The gateway's readiness includes this stack's own workers: a worker that crash-loops makes it 503, not 200
  // (unless the operator chose otherwise).
  const gatewayEnv: NodeJS.ProcessEnv = { READY_MIN_WORKERS: String(Math.min(1, config.WORKERS)), ...env };
  const processes: Managed[] = [
    { name: 'gateway', script: 'apps/gateway/dist/main.js', nodeFlags: gatewayNodeFlags(config.GATEWAY_SEMI_SPACE_MB), env: gatewayEnv, restarts: 0 },
  ];
  for (let i = 0; i < config.WORKERS; i += 1) {
    processes.push({
      name: `worker-${i + 1}`,
      script: 'apps/worker/dist/main.js',
      nodeFlags: [],
      env: { ...env, WORKER_HTTP_PORT: String(config.WORKER_HTTP_PORT === 0 ? 0 : config.WORKER_HTTP_PORT + i) },
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
  // A busy port is an expected situation with a clear fix: its message, without a stack trace.
  if (error instanceof PortInUseError) logger.error(error.message, { code: error.code, variable: error.variable, port: error.port });
  else logger.error('start failed', errorFields(error));
  process.exit(1);
});

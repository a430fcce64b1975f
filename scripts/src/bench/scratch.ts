import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { configSchema, gatewayNodeFlags } from '@netra/config';
import { createPrismaClient, dropDatabase, migrate, type Db } from '@netra/db';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface AppProcess {
  child: ChildProcess;
  /** The JSON log line the process announced itself ready with. */
  ready: Record<string, unknown>;
  stop(): Promise<void>;
}

/**
 * A throw-away stack for a benchmark: its own database (`netra_bench_<random>`, migrated) and Redis prefix on the
 * machine's PostgreSQL and Redis, real gateway/worker processes started from `dist/`, and a cleanup that removes
 * all of it. BENCH_PROFILE=<dir> writes a V8 CPU profile of every process there (open it in Chrome DevTools).
 */
export class Scratch {
  readonly databaseUrl: string;
  readonly prefix: string;
  readonly redisUrl: string;
  /** The bench's own redis-server (`ownRedis`), so its CPU is this benchmark's alone. */
  private readonly redisServer: ChildProcess | undefined;
  readonly env: Record<string, string>;
  readonly db: Db;
  private readonly processes: AppProcess[] = [];

  private constructor(redis?: { url: string; child: ChildProcess }) {
    this.redisUrl = redis?.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    this.redisServer = redis?.child;
    const id = randomBytes(4).toString('hex');
    this.databaseUrl = `${process.env.BENCH_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432'}/netra_bench_${id}`;
    this.prefix = `bench_${id}`;
    this.env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      // Info level: the processes announce readiness with an info line.
      LOG_LEVEL: 'info',
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redisUrl,
      REDIS_PREFIX: this.prefix,
      JWT_SECRET: `bench-secret-${randomBytes(16).toString('hex')}`,
      AUTH_DEV_LOGIN: 'true',
      HOST: '127.0.0.1',
      PORT: '0',
      WORKER_HTTP_PORT: '0',
    };
    this.db = createPrismaClient({ databaseUrl: this.databaseUrl, poolSize: 2 });
  }

  /**
   * `ownRedis`: start a redis-server of the benchmark's own on a free port (no persistence), so the CPU a run
   * costs Redis can be read off one process that nothing else on the machine uses.
   */
  static async create(options: { ownRedis?: boolean } = {}): Promise<Scratch> {
    const scratch = new Scratch(options.ownRedis ? await startRedisServer() : undefined);
    await migrate({ databaseUrl: scratch.databaseUrl, migrationsDir: path.join(root, 'prisma/migrations') });
    return scratch;
  }

  /** Starts `apps/<app>/dist/main.js` and waits for its ready line. */
  async start(app: 'gateway' | 'worker', extraEnv: Record<string, string> = {}): Promise<AppProcess> {
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    // e.g. BENCH_NODE_FLAGS=--perf-basic-prof, for `perf record` (samples CPU time, where --cpu-prof samples wall time).
    const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    // The gateway as `npm start` runs it: with its GATEWAY_SEMI_SPACE_MB flags (the default unless the env sets it).
    const env = { ...this.env, ...extraEnv };
    if (app === 'gateway') {
      const semiSpace = configSchema.shape.GATEWAY_SEMI_SPACE_MB.parse(env.GATEWAY_SEMI_SPACE_MB ?? process.env.GATEWAY_SEMI_SPACE_MB);
      env.GATEWAY_SEMI_SPACE_MB = String(semiSpace);
      flags.push(...gatewayNodeFlags(semiSpace));
    }
    const child = spawn(process.execPath, [...profile, ...flags, path.join(root, `apps/${app}/dist/main.js`)], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const readyMessage = app === 'gateway' ? 'gateway listening' : 'worker ready';
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${app} did not start within 30 s`)), 30_000);
      child.once('exit', (code) => reject(new Error(`${app} exited (${code})`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        traceLine(app, child.pid, line);
        if (!line.includes(`"${readyMessage}"`)) return;
        clearTimeout(timer);
        resolve(JSON.parse(line) as Record<string, unknown>);
      });
    });
    const proc: AppProcess = {
      child,
      ready,
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      },
    };
    this.processes.push(proc);
    return proc;
  }

  /** The pid of the bench's own redis-server (`ownRedis`), or undefined. */
  get redisPid(): number | undefined {
    return this.redisServer?.pid;
  }

  /** The PostgreSQL backends serving this benchmark's database right now (their CPU is the run's). */
  async databaseBackends(): Promise<number[]> {
    const dbName = new URL(this.databaseUrl).pathname.slice(1);
    const rows = await this.db.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = ${dbName} AND pid <> pg_backend_pid()`;
    return rows.map((r) => r.pid);
  }

  async cleanup(): Promise<void> {
    await Promise.allSettled(this.processes.map((p) => p.stop()));
    await this.db.$disconnect();
    // BENCH_KEEP_DATABASE=1 leaves the scratch database for inspection (EXPLAIN on the data the run left).
    if (process.env.BENCH_KEEP_DATABASE === '1') console.log(`kept the scratch database: ${this.databaseUrl}`);
    else await dropDatabase(this.databaseUrl);
    if (this.redisServer) {
      const exited = new Promise((resolve) => this.redisServer?.once('exit', resolve));
      this.redisServer.kill('SIGTERM');
      await exited;
      return;
    }
    const redis = new Redis(this.redisUrl, { maxRetriesPerRequest: 1 });
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
}

/** A redis-server on a free port without persistence; resolves once it accepts connections. */
async function startRedisServer(): Promise<{ url: string; child: ChildProcess }> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const free = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(free));
    });
  });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      lines.close();
      child.stdout!.resume();
      resolve();
    });
  });
  return { url: `redis://127.0.0.1:${port}`, child };
}

/**
 * BENCH_TRACE_DIR=<folder>: a started process's stdout lines that are not log lines (e.g. V8's with
 * BENCH_NODE_FLAGS=--trace-gc) go to <folder>/<role>-<pid>.log, each prefixed with the time (epoch ms) the bench
 * read it, to line up with what a benchmark traced (see bench:sockets' ping part).
 */
export function traceLine(role: string, pid: number | undefined, line: string): void {
  const dir = process.env.BENCH_TRACE_DIR;
  if (!dir || line.startsWith('{')) return;
  appendFileSync(path.join(dir, `${role}-${String(pid)}.log`), `${(performance.timeOrigin + performance.now()).toFixed(3)} ${line}\n`);
}

/**
 * Pins every thread of `pid` to `cpus` (taskset's list syntax; e.g. "1", or "0-1" to undo). Throws when taskset
 * fails: a benchmark that asked for a placement must not report numbers taken without it.
 */
export async function pin(pid: number, cpus: string): Promise<void> {
  const child = spawn('taskset', ['--all-tasks', '--cpu-list', '--pid', cpus, String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`taskset could not run (${error.message}): install util-linux, or set BENCH_PING_PIN=0`)));
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`taskset could not pin ${pid} to CPUs ${cpus} (exit ${String(code)}): ${stderr.trim()}`);
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/**
 * The pipeline benchmarks' environment: one user sends everything, so budgets no single user gets in production
 * (the limiter still runs, and costs its Redis calls, on every frame and message, as in production).
 */
export const PIPELINE_ENV: Readonly<Record<string, string>> = {
  QUEUE_MAX_WAITING: '1000000',
  WS_MAX_SOCKETS_PER_USER: '1000',
  RATE_LIMIT_USER_REQUESTS: '999999999/60',
  RATE_LIMIT_USER_MESSAGES: '999999999/60',
  RATE_LIMIT_IP_REQUESTS: '999999999/60',
  RATE_LIMIT_IP_UPGRADES: '999999999/60',
};

/** Runs a benchmark's `main` and exits with its outcome (the processes it started are already stopped by then). */
export function runBenchmark(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

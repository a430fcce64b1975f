import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
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
  readonly redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  readonly env: Record<string, string>;
  readonly db: Db;
  private readonly processes: AppProcess[] = [];

  private constructor() {
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

  static async create(): Promise<Scratch> {
    const scratch = new Scratch();
    await migrate({ databaseUrl: scratch.databaseUrl, migrationsDir: path.join(root, 'prisma/migrations') });
    return scratch;
  }

  /** Starts `apps/<app>/dist/main.js` and waits for its ready line. */
  async start(app: 'gateway' | 'worker', extraEnv: Record<string, string> = {}): Promise<AppProcess> {
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    const child = spawn(process.execPath, [...profile, path.join(root, `apps/${app}/dist/main.js`)], {
      env: { ...this.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const readyMessage = app === 'gateway' ? 'gateway listening' : 'worker ready';
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${app} did not start within 30 s`)), 30_000);
      child.once('exit', (code) => reject(new Error(`${app} exited (${code})`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
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

  async cleanup(): Promise<void> {
    await Promise.allSettled(this.processes.map((p) => p.stop()));
    await this.db.$disconnect();
    await dropDatabase(this.databaseUrl);
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

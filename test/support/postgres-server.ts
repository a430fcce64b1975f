import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { scaledTimeout } from './processes.js';
import { freePort } from './redis-server.js';

const run = promisify(execFile);

/** The server binaries of the installed PostgreSQL (Debian keeps them under /usr/lib/postgresql/<major>/bin). */
function binary(name: 'initdb' | 'postgres'): string {
  const root = '/usr/lib/postgresql';
  const major = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  if (!major) throw new Error(`no PostgreSQL server under ${root}`);
  return path.join(root, major, 'bin', name);
}

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user (runuser). */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/**
 * A PostgreSQL cluster of the test's own (trust auth, no fsync) that the test can stop and start again, as the
 * Redis restart test owns its Redis. `stop()` is a fast shutdown: sessions are terminated (SQLSTATE 57P01) and
 * new connections refused until `start()`.
 */
export class TestPostgres {
  private child: ChildProcess | undefined;
  private readonly log: string[] = [];

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async create(): Promise<TestPostgres> {
    const dir = await mkdtemp(path.join(tmpdir(), 'netra-pg-'));
    const server = new TestPostgres(await freePort(), dir);
    try {
      if (userInfo().uid === 0) {
        const { stdout } = await run('id', ['-u', 'postgres']);
        const { stdout: gid } = await run('id', ['-g', 'postgres']);
        await chown(dir, Number(stdout.trim()), Number(gid.trim()));
      }
      const [command, args] = asServerUser(binary('initdb'), ['-D', server.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
      await run(command, args);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** Base URL for createTestEnv (a database name is appended). */
  get baseUrl(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}`;
  }

  /** Starts the server and resolves once its log says it accepts connections. */
  async start(): Promise<void> {
    const [command, args] = asServerUser(binary('postgres'), [
      '-D', this.dataDir, '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200',
    ]);
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    const limit = scaledTimeout(20_000);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`test postgres did not start within ${limit} ms:\n${this.log.slice(-10).join('\n')}`)), limit);
      const lines = createInterface({ input: child.stderr! });
      lines.on('line', (line) => {
        this.log.push(line);
        if (!/database system is ready to accept connections/.test(line)) return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`test postgres exited (${code}) before it was ready:\n${this.log.slice(-10).join('\n')}`));
      });
    });
  }

  /** Fast shutdown (SIGINT to the postmaster, whose pid it wrote itself: runuser does not pass signals on). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = child.exitCode === null && child.signalCode === null ? new Promise((r) => child.once('exit', r)) : Promise.resolve();
    const pid = Number((await readFile(path.join(this.dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGINT');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    await exited;
    this.child = undefined;
  }

  /** Stops the server and removes its files. */
  async destroy(): Promise<void> {
    try {
      await this.stop();
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }
}

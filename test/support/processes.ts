import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { configSchema, gatewayNodeFlags } from '@netra/config';
import { GATEWAY_MAIN, WORKER_MAIN } from './paths.js';

export interface LogLine {
  level?: string;
  message?: string;
  [key: string]: unknown;
}

/**
 * A gateway or worker started exactly as production starts it (`node apps/…/dist/main.js`), with its JSON log
 * lines captured so tests can wait for them and assert on them.
 */
export class AppProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  /** `nodeFlags`: V8 flags before the script; by default the gateway's as `npm run gateway` passes them. */
  constructor(
    readonly kind: 'gateway' | 'worker',
    env: Record<string, string>,
    nodeFlags?: readonly string[],
  ) {
    const flags = nodeFlags ?? (kind === 'gateway' ? gatewayNodeFlags(configSchema.shape.GATEWAY_SEMI_SPACE_MB.parse(env.GATEWAY_SEMI_SPACE_MB)) : []);
    const args = [...flags, kind === 'gateway' ? GATEWAY_MAIN : WORKER_MAIN];
    this.child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        parsed = { message: line };
      }
      this.logs.push(parsed);
      if (process.env.TEST_ECHO_LOGS) process.stdout.write(`[${kind}:${this.pid}] ${line}\n`);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(parsed)) return true;
        w.resolve(parsed);
        return false;
      });
    });
    createInterface({ input: this.child.stderr! }).on('line', (line) => this.stderr.push(line));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The process's last lines (the apps log to stdout; stderr only holds what crashed past the logger). */
  tail(lines = 15): string {
    const out = this.logs.slice(-lines).map((l) => JSON.stringify(l));
    return `last ${out.length} log lines:\n${out.join('\n')}${this.stderr.length > 0 ? `\nstderr:\n${this.stderr.slice(-lines).join('\n')}` : ''}`;
  }

  /**
   * Resolves with the first log line (past or future) matching `match`. The timeout is a floor, stretched by the
   * machine's load (a loaded 2-core machine starts a process several times slower), so it bounds a hang without
   * failing a slow start.
   */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    const seen = this.logs.find(match);
    if (seen) return Promise.resolve(seen);
    const limit = scaledTimeout(timeoutMs);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.kind} ${this.pid}: no matching log line after ${limit} ms; ${this.tail()}`));
      }, limit);
      const onExit = this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${this.kind} exited (${code ?? signal}) before the expected log line; ${this.tail()}`));
      });
      void onExit;
      this.waiters.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  waitForExit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }
}

export interface Gateway {
  process: AppProcess;
  port: number;
  url: string;
  wsUrl: string;
}

export async function startGateway(env: Record<string, string>, nodeFlags?: readonly string[]): Promise<Gateway> {
  const process = new AppProcess('gateway', env, nodeFlags);
  const line = await process.waitForLog((l) => l.message === 'gateway listening');
  const port = Number(line.port);
  return { process, port, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws` };
}

export interface Worker {
  process: AppProcess;
  httpPort: number;
}

export async function startWorker(env: Record<string, string>): Promise<Worker> {
  const process = new AppProcess('worker', env);
  const line = await process.waitForLog((l) => l.message === 'worker ready');
  return { process, httpPort: Number(line.httpPort) };
}

/** A timeout stretched by the load on the machine (1-minute load average per core, at least 1×, at most 6×). */
export function scaledTimeout(ms: number): number {
  const perCore = (loadavg()[0] ?? 0) / Math.max(1, cpus().length);
  return Math.round(ms * Math.min(6, Math.max(1, perCore)));
}

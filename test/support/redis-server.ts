import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A Redis of the test's own, with AOF, that the test can stop and start again. */
export class TestRedis {
  private child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts the server and resolves once it accepts connections, as it says on its log (stdout). Waiting on the log
   * rather than on failed client connects: an ioredis client that failed to connect keeps timers alive, which
   * held jest's worker open after the test.
   */
  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--dir', this.dir], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('test redis did not start')), 10_000);
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        if (!/Ready to accept connections/.test(line)) return;
        clearTimeout(timer);
        lines.close();
        // Keep draining its log so the pipe never fills up.
        child.stdout!.resume();
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`test redis exited (${code}) before it was ready`));
      });
    });
  }

  /**
   * SIGTERM is Redis's graceful shutdown (it flushes the AOF, like SHUTDOWN: a clean restart of a production
   * Redis). A signal rather than a SHUTDOWN command: a client connection to a server that goes away leaves
   * ioredis timers behind, which kept jest's worker alive after the test.
   */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    this.child = undefined;
  }
}

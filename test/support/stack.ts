import { createPrismaClient, type Db } from '@netra/db';
import { Api, tokenFor, WsClient } from './clients.js';
import { startGateway, startWorker, type Gateway, type Worker } from './processes.js';
import { createTestEnv, type TestEnv } from './services.js';

export interface StackOptions {
  gateways?: number;
  workers?: number;
  /** Extra environment for every process. */
  env?: Record<string, string>;
  /** A PostgreSQL of the test's own (TestPostgres.baseUrl); default the shared one. */
  pgBase?: string;
}

/**
 * The real system for one test file: its own database and Redis prefix, N gateways and M workers as separate
 * processes, and a Prisma client to inspect what they wrote.
 */
export class Stack {
  readonly gateways: Gateway[] = [];
  readonly workers: Worker[] = [];
  private readonly clients: WsClient[] = [];

  private constructor(
    readonly testEnv: TestEnv,
    readonly db: Db,
  ) {}

  static async start(name: string, options: StackOptions = {}): Promise<Stack> {
    const testEnv = await createTestEnv(name, options.env, options.pgBase);
    const stack = new Stack(testEnv, createPrismaClient({ databaseUrl: testEnv.databaseUrl, poolSize: 3 }));
    try {
      await Promise.all([
        ...Array.from({ length: options.gateways ?? 1 }, () => stack.addGateway()),
        ...Array.from({ length: options.workers ?? 1 }, () => stack.addWorker()),
      ]);
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  get env(): Record<string, string> {
    return this.testEnv.env;
  }

  get gateway(): Gateway {
    const g = this.gateways[0];
    if (!g) throw new Error('no gateway');
    return g;
  }

  async addGateway(env: Record<string, string> = {}, nodeFlags?: readonly string[]): Promise<Gateway> {
    const gateway = await startGateway({ ...this.testEnv.env, ...env }, nodeFlags);
    this.gateways.push(gateway);
    return gateway;
  }

  async addWorker(env: Record<string, string> = {}): Promise<Worker> {
    const worker = await startWorker({ ...this.testEnv.env, ...env });
    this.workers.push(worker);
    return worker;
  }

  async api(subject?: string, gateway = this.gateway): Promise<Api> {
    return new Api(gateway.url, subject === undefined ? undefined : await tokenFor(subject));
  }

  async ws(subject: string, gateway = this.gateway): Promise<WsClient> {
    const client = await WsClient.as(gateway.wsUrl, await tokenFor(subject));
    this.clients.push(client);
    return client;
  }

  /** Closes `client` when the stack stops (for clients a test creates itself). */
  track(client: WsClient): WsClient {
    this.clients.push(client);
    return client;
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.clients.map((c) => c.close()));
    await Promise.allSettled([...this.gateways, ...this.workers].map((p) => p.process.stop('SIGTERM')));
    await this.db.$disconnect();
    await this.testEnv.cleanup();
  }
}

/** Polls the database until the run reaches one of `statuses`. */
export async function waitForRunStatus(db: Db, runId: string, statuses: string[] = ['completed', 'failed', 'cancelled'], timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await db.run.findUnique({ where: { id: runId }, select: { status: true } });
    if (run && statuses.includes(run.status)) return run.status;
    if (Date.now() > deadline) throw new Error(`run ${runId} is ${run?.status ?? 'missing'}, not ${statuses.join('/')} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

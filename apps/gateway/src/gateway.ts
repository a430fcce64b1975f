import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Config } from '@netra/config';
import { liveWorkers, RunEventSubscriber } from '@netra/bus';
import { EventStreams } from './events/streams.js';
import { QueueDepth } from './services/queue-depth.js';
import { createInfra, type Infra } from '@netra/runs';
import { logger } from '@netra/observability';
import { CatalogService, UsageService } from '@netra/usage';
import { AdminSessions } from './auth/admin-sessions.js';
import { TicketStore } from './auth/tickets.js';
import { AdminService } from './services/admin.js';
import { TokenVerifier } from './auth/tokens.js';
import { createApp } from './http/app.js';
import { MessageService } from './services/messages.js';
import { RunService } from './services/runs.js';
import { ThreadService } from './services/threads.js';
import { UserDirectory } from './services/users.js';
import { WsGateway } from './ws/server.js';
import { Security } from './security/index.js';
import { GatewayWatch } from './watch.js';

export interface GatewayOptions {
  config: Config;
  version: string;
  /** Where the built web client is; default `apps/web/dist` of this checkout. */
  webRoot?: string;
}

/**
 * One gateway process: the HTTP API and the WebSocket endpoint on one port. Stateless — any number can run
 * behind a load balancer; run events reach each gateway through the users' Redis channels.
 * Lifecycle: `start()` then `close()`.
 */
export class Gateway {
  private readonly config: Config;
  private readonly log = logger.child({ component: 'gateway' });
  private infra: Infra | undefined;
  /** Issue 15: webhooks, budgets, alerts, schedules, recommendations. */
  private watch: GatewayWatch | undefined;
  private depth: QueueDepth | undefined;
  private server: http.Server | undefined;
  private ws: WsGateway | undefined;
  private accepting = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: GatewayOptions) {
    this.config = options.config;
  }

  async start(): Promise<AddressInfo> {
    const { config } = this;
    const infra = await createInfra(config, 'gateway');
    this.infra = infra;
    const { db, redis, names, queue, events: eventLog, engine } = infra;
    const subscriber = new RunEventSubscriber(await infra.connection('blocking', 'sub'), names);

    const verifier = new TokenVerifier({
      ...(config.JWT_SECRET ? { secret: config.JWT_SECRET } : {}),
      ...(config.JWT_JWKS_URL ? { jwksUrl: config.JWT_JWKS_URL } : {}),
      ...(config.JWT_ISSUER ? { issuer: config.JWT_ISSUER } : {}),
      ...(config.JWT_AUDIENCE ? { audience: config.JWT_AUDIENCE } : {}),
      clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
      jwksCooldownMs: config.JWT_JWKS_COOLDOWN_MS,
    });
    const security = new Security(config, redis, names);
    const users = new UserDirectory(db);
    const tickets = new TicketStore(redis, names, config.WS_TICKET_TTL_MS);
    const threads = new ThreadService(db);
    const depth = new QueueDepth(queue, { maxWaiting: config.QUEUE_MAX_WAITING });
    this.depth = depth;
    await depth.start();
    engine.on('enqueued', () => depth.added());
    const messages = new MessageService(db, depth, engine, security.limits.userMessages);
    const runs = new RunService(db, engine);
    const streams = new EventStreams(db, eventLog, subscriber);
    streams.start();
    const catalog = new CatalogService(db);
    const usage = new UsageService(db, catalog, { dimensions: config.USAGE_DIMENSIONS });
    await catalog.seed();
    // Issue 15: webhooks, budgets, alerts, schedules, recommendations.
    const watch = new GatewayWatch({ config, db, redis, names });
    this.watch = watch;

    const app = createApp({
      watch: watch.deps,
      // The browser client built next to this app (apps/gateway/dist → apps/web/dist).
      webRoot: this.options.webRoot ?? fileURLToPath(new URL('../../web/dist', import.meta.url)),
      verifier,
      tickets,
      users,
      threads,
      messages,
      runs,
      streams,
      accepting: () => this.accepting,
      usage,
      catalog,
      security,
      devLogin: {
        enabled: config.AUTH_DEV_LOGIN,
        secret: config.JWT_SECRET,
        ttlSeconds: config.JWT_TTL_SECONDS,
        ...(config.JWT_ISSUER ? { issuer: config.JWT_ISSUER } : {}),
        ...(config.JWT_AUDIENCE ? { audience: config.JWT_AUDIENCE } : {}),
      },
      health: {
        version: this.options.version,
        accepting: () => this.accepting,
        checks: {
          postgres: async () => {
            await db.$queryRaw`SELECT 1`;
          },
          redis: async () => {
            await redis.ping();
          },
          queue: async () => {
            const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
            return { name: names.runQueue, ...counts };
          },
          // This stack's live workers, from their heartbeats: a crashed or crash-looping worker drops out within
          // WORKER_HEARTBEAT_TTL_MS, and other stacks sharing the Redis (another prefix) are not listed.
          // Informational by default (no workers means runs wait, not that this gateway cannot accept them);
          // READY_MIN_WORKERS makes it a requirement (npm start: its own worker).
          workers: async () => {
            const workers = await liveWorkers(redis, names);
            if (workers.length < config.READY_MIN_WORKERS) {
              throw new Error(`${workers.length} live worker(s); READY_MIN_WORKERS is ${config.READY_MIN_WORKERS}`);
            }
            return { count: workers.length, workers };
          },
        },
      },
      ops: {
        version: this.options.version,
        metricsToken: config.METRICS_TOKEN,
        queue,
        admin: new AdminService({ db, queue, redis, names }),
        sessions: new AdminSessions(redis, names, config.ADMIN_SESSION_TTL_SECONDS),
      },
    });

    const server = http.createServer(app);
    // Keep-alive longer than typical load balancer idle timeouts, so they close first.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    this.server = server;
    this.ws = new WsGateway(
      server,
      { verifier, tickets, users, threads, messages, runs, streams, security },
      {
        maxPayload: config.WS_MAX_PAYLOAD_BYTES,
        heartbeatMs: config.WS_HEARTBEAT_MS,
        maxSocketsPerUser: config.WS_MAX_SOCKETS_PER_USER,
        maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
        allowedOrigins: config.CORS_ORIGINS,
      },
    );
    this.ws.start();

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => resolve());
    });
    this.accepting = true;
    const address = server.address() as AddressInfo;
    this.log.info('gateway listening', { port: address.port, host: config.HOST });
    return address;
  }

  /** Stops accepting, closes sockets with 1001, finishes in-flight requests, then releases connections. */
  close(graceMs = this.config.SHUTDOWN_GRACE_MS): Promise<void> {
    this.closing ??= this.doClose(graceMs);
    return this.closing;
  }

  private async doClose(graceMs: number): Promise<void> {
    this.accepting = false;
    this.log.info('gateway closing', { sockets: this.ws?.connectionCount ?? 0 });
    const server = this.server;
    const serverClosed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    server?.closeIdleConnections();
    await this.ws?.close(graceMs);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([serverClosed, new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); })]);
    clearTimeout(timer);
    server?.closeAllConnections();
    this.depth?.close();
    await this.watch?.close();
    await this.infra?.close();
    this.log.info('gateway closed');
  }
}

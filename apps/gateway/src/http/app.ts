import express, { type Express } from 'express';
import { UnavailableError } from '@netra/contracts';
import type { TicketStore } from '../auth/tickets.js';
import type { TokenVerifier } from '../auth/tokens.js';
import type { EventStreams } from '../events/streams.js';
import type { MessageService } from '../services/messages.js';
import type { RunService } from '../services/runs.js';
import type { ThreadService } from '../services/threads.js';
import type { UserDirectory } from '../services/users.js';
import type { Security } from '../security/index.js';
import type { CatalogService, UsageService } from '@netra/usage';
import { authenticate, errorHandler, notFound, requestContext } from './middleware.js';
import { authRoutes, type DevLoginOptions } from './routes/auth.js';
import { healthRoutes, type HealthOptions } from './routes/health.js';
import { runRoutes } from './routes/runs.js';
import { modelRoutes } from './routes/models.js';
import { ticketRoutes } from './routes/tickets.js';
import { threadRoutes } from './routes/threads.js';
import { usageRoutes } from './routes/usage.js';
import { webClient } from './static.js';
import { adminApiRoutes, operationsRoutes, type OperationsDeps } from './operations.js';
import { afterIngest, watchRoutes, type WatchDeps } from './routes/watch.js';

export interface AppDeps {
  verifier: TokenVerifier;
  tickets: TicketStore;
  users: UserDirectory;
  threads: ThreadService;
  messages: MessageService;
  runs: RunService;
  streams: EventStreams;
  usage: UsageService;
  catalog: CatalogService;
  /** Headers, CORS, trust proxy, rate limits and the failed-auth budget. */
  security: Security;
  /** False once shutdown began: new requests get 503. */
  accepting: () => boolean;
  devLogin: DevLoginOptions;
  health: HealthOptions;
  /** Operator routes: metrics, API docs, Bull Board, admin API. */
  ops: OperationsDeps;
  /** Webhooks, budgets, alerts (issue 15). */
  watch: WatchDeps;
  /** Largest JSON body accepted. Default 1 MB. */
  bodyLimit?: string;
  /** Largest `POST /usage-events` body (up to 5,000 events). Default 16 MB. */
  usageBodyLimit?: string;
  /** Directory of the built web client (`apps/web/dist`), served at `/` when it exists. */
  webRoot?: string;
}

/** The HTTP API: thin handlers over the services; every body and query parsed by its contract schema. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Who the client is (req.ip, req.secure) comes from X-Forwarded-* only through the proxies TRUST_PROXY names.
  app.set('trust proxy', deps.security.trustProxy);
  app.set('query parser', 'simple');
  app.use(requestContext);
  app.use(deps.security.headers);
  app.use(healthRoutes(deps.health));
  app.use(operationsRoutes({ ...deps.ops, verifier: deps.verifier, users: deps.users, security: deps.security }));

  const api = express.Router();
  api.use(deps.security.cors);
  api.use((_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    if (!deps.accepting()) {
      // Requests on kept-alive connections during shutdown: tell the client to go elsewhere.
      res.setHeader('connection', 'close');
      throw new UnavailableError('Gateway is shutting down', { retryAfterMs: 1_000 });
    }
    next();
  });
  api.use(deps.security.limitByAddress);
  // JSON bodies only: JSONL/CSV imports keep their Content-Type and are streamed by their route, unread here.
  const json = express.json({ limit: deps.bodyLimit ?? '1mb' });
  const usageJson = express.json({ limit: deps.usageBodyLimit ?? '16mb' });
  api.use((req, res, next) => (req.path === '/usage-events' ? usageJson : json)(req, res, next));
  api.use(authRoutes(deps.devLogin));
  api.use(authenticate(deps.verifier, deps.users, deps.security.authAttempts));
  api.use(deps.security.limitByUser);
  api.use(ticketRoutes(deps.tickets));
  api.use(threadRoutes(deps.threads, deps.messages, deps.runs));
  api.use(runRoutes(deps.runs, deps.streams));
  api.use(afterIngest(deps.watch.trigger));
  api.use(usageRoutes(deps.usage));
  api.use(modelRoutes(deps.catalog));
  api.use(adminApiRoutes(deps.ops));
  api.use(watchRoutes(deps.watch));
  app.use('/api/v1', api);

  const web = deps.webRoot ? webClient(deps.webRoot) : undefined;
  if (web) app.use(web);

  app.use(notFound);
  app.use(errorHandler);
  return app;
}

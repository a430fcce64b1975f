import express, { type Express } from 'express';
import { UnavailableError } from '@netra/contracts';
import type { TicketStore } from '../auth/tickets.js';
import type { TokenVerifier } from '../auth/tokens.js';
import type { EventStreams } from '../events/streams.js';
import type { MessageService } from '../services/messages.js';
import type { RunService } from '../services/runs.js';
import type { ThreadService } from '../services/threads.js';
import type { UserDirectory } from '../services/users.js';
import { authenticate, errorHandler, notFound, requestContext } from './middleware.js';
import { authRoutes, type DevLoginOptions } from './routes/auth.js';
import { healthRoutes, type HealthOptions } from './routes/health.js';
import { runRoutes } from './routes/runs.js';
import { ticketRoutes } from './routes/tickets.js';
import { threadRoutes } from './routes/threads.js';
import { webClient } from './static.js';

export interface AppDeps {
  verifier: TokenVerifier;
  tickets: TicketStore;
  users: UserDirectory;
  threads: ThreadService;
  messages: MessageService;
  runs: RunService;
  streams: EventStreams;
  /** False once shutdown began: new requests get 503. */
  accepting: () => boolean;
  devLogin: DevLoginOptions;
  health: HealthOptions;
  /** Largest JSON body accepted. Default 1 MB. */
  bodyLimit?: string;
  /** Directory of the built web client (`apps/web/dist`), served at `/` when it exists. */
  webRoot?: string;
}

/** The HTTP API: thin handlers over the services; every body and query parsed by its contract schema. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestContext);
  app.use(healthRoutes(deps.health));

  const api = express.Router();
  api.use((_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    if (!deps.accepting()) {
      // Requests on kept-alive connections during shutdown: tell the client to go elsewhere.
      res.setHeader('connection', 'close');
      throw new UnavailableError('Gateway is shutting down', { retryAfterMs: 1_000 });
    }
    next();
  });
  api.use(express.json({ limit: deps.bodyLimit ?? '1mb' }));
  api.use(authRoutes(deps.devLogin));
  api.use(authenticate(deps.verifier, deps.users));
  api.use(ticketRoutes(deps.tickets));
  api.use(threadRoutes(deps.threads, deps.messages));
  api.use(runRoutes(deps.runs, deps.streams));
  app.use('/api/v1', api);

  const web = deps.webRoot ? webClient(deps.webRoot) : undefined;
  if (web) app.use(web);

  app.use(notFound);
  app.use(errorHandler);
  return app;
}

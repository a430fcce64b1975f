import { Router } from 'express';
import type { RunQueue } from '@netra/bus';
import type { AdminSessions } from '../auth/admin-sessions.js';
import type { TokenVerifier } from '../auth/tokens.js';
import type { AdminService } from '../services/admin.js';
import type { UserDirectory } from '../services/users.js';
import { adminBrowserRoutes } from './admin/board.js';
import { adminRoutes } from './routes/admin.js';
import { docsRoutes } from './routes/docs.js';
import { metricsRoutes } from './routes/metrics.js';

/** What the operator-facing routes need (issue 6: metrics, API docs, Bull Board, admin API). */
export interface OperationsDeps {
  version: string;
  /** METRICS_TOKEN: when set, `/metrics` needs it as a bearer token. */
  metricsToken: string | undefined;
  queue: RunQueue;
  admin: AdminService;
  sessions: AdminSessions;
}

/** Top-level operator routes: `/metrics`, `/api/openapi.json`, `/api/docs`, `/admin/*` (Bull Board). */
export function operationsRoutes(deps: OperationsDeps & { verifier: TokenVerifier; users: UserDirectory }): Router {
  const router = Router();
  router.use(metricsRoutes(deps.metricsToken));
  router.use(docsRoutes({ version: deps.version }));
  router.use(adminBrowserRoutes({ queue: deps.queue, verifier: deps.verifier, users: deps.users, sessions: deps.sessions }));
  return router;
}

/** `/api/v1/admin/*`, mounted behind the API's authentication. */
export function adminApiRoutes(deps: OperationsDeps): Router {
  return adminRoutes(deps.admin, deps.sessions);
}

import { Router } from 'express';
import type { RunQueue } from '@netra/bus';
import type { AdminSessions } from '../auth/admin-sessions.js';
import type { TokenVerifier } from '../auth/tokens.js';
import type { AdminService } from '../services/admin.js';
import type { UserDirectory } from '../services/users.js';
import type { Security } from '../security/index.js';
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
export function operationsRoutes(deps: OperationsDeps & { verifier: TokenVerifier; users: UserDirectory; security: Security }): Router {
  const router = Router();
  router.use(metricsRoutes(deps.metricsToken, deps.security.authAttempts));
  // Swagger UI and Bull Board style their markup inline; their scripts still load from this origin only.
  router.use(['/api/docs', '/admin/queues'], deps.security.inlineStylesAllowed);
  router.use(docsRoutes({ version: deps.version }));
  // The admin pages count against the client address's request budget like the API (Bull Board polls: fine).
  router.use('/admin', deps.security.limitByAddress);
  router.use(
    adminBrowserRoutes({ queue: deps.queue, verifier: deps.verifier, users: deps.users, sessions: deps.sessions, attempts: deps.security.authAttempts }),
  );
  return router;
}

/** `/api/v1/admin/*`, mounted behind the API's authentication. */
export function adminApiRoutes(deps: OperationsDeps): Router {
  return adminRoutes(deps.admin, deps.sessions);
}

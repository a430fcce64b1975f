import { Router, type NextFunction, type Request, type Response } from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { RunQueue } from '@netra/bus';
import { ForbiddenError, RunJobData, UnauthorizedError } from '@netra/contracts';
import { ADMIN_COOKIE, readCookie, type AdminSessions } from '../../auth/admin-sessions.js';
import { bearerToken, type TokenVerifier } from '../../auth/tokens.js';
import type { AuthAttempts } from '../../security/auth-attempts.js';
import { securityEvent } from '../../security/audit.js';
import type { AuthUser, UserDirectory } from '../../services/users.js';
import { auditAdminAction } from './audit.js';
import { LOGIN_HTML, LOGIN_JS } from './login-page.js';

export const BOARD_PATH = '/admin/queues';

export interface AdminBrowserDeps {
  queue: RunQueue;
  verifier: TokenVerifier;
  users: UserDirectory;
  sessions: AdminSessions;
  /** The failed-authentication budget per client address, shared with the API. */
  attempts: AuthAttempts;
}

/**
 * The admin pages a browser navigates to: Bull Board at `/admin/queues`, its login page and logout. Access with
 * the short-lived `netra_admin` cookie (from `POST /api/v1/admin/session`) or a bearer token with the admin role
 * (scripts); anything else is 401 (403 for a valid non-admin token). A browser without a session is sent to
 * `/admin/login`.
 */
export function adminBrowserRoutes(deps: AdminBrowserDeps): Router {
  const router = Router();
  const adminOf = new WeakMap<Request, AuthUser>();

  const guard = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    res.setHeader('cache-control', 'no-store');
    const address = req.ip ?? 'unknown';
    const token = bearerToken(req.get('authorization'));
    let admin: AuthUser | null = null;
    if (token) {
      // A bearer token is checked exactly as on the API: failures are audited and spend the address's budget.
      await deps.attempts.before(address);
      try {
        const principal = await deps.verifier.verify(token);
        admin = { id: await deps.users.resolve(principal.subject), subject: principal.subject, roles: principal.roles };
      } catch (error) {
        if (error instanceof UnauthorizedError) await deps.attempts.failed(address, error.message, 'http');
        throw error;
      }
    } else {
      // An unknown cookie is not counted as a failed login: 256 random bits cannot be guessed, and a board left
      // open past its session's expiry polls with a stale cookie every few seconds — that must not lock the
      // admin's address out of authentication.
      const cookie = readCookie(req.get('cookie'), ADMIN_COOKIE);
      admin = cookie ? await deps.sessions.verify(cookie) : null;
    }
    if (!admin) {
      if (req.method === 'GET' && req.accepts(['json', 'html']) === 'html') {
        res.redirect(302, '/admin/login');
        return;
      }
      throw new UnauthorizedError('Admin pages need an admin session (POST /api/v1/admin/session) or a bearer token');
    }
    if (!admin.roles.includes('admin')) {
      securityEvent('forbidden', { userId: admin.id, subject: admin.subject, role: 'admin', method: req.method, path: `${req.baseUrl}${req.path}` });
      throw new ForbiddenError('Requires the admin role');
    }
    adminOf.set(req, admin);
    next();
  };

  // Bull Board's own API changes jobs (retry, clean, remove, promote…): every such request is audited.
  const auditBoard = (req: Request, _res: Response, next: NextFunction): void => {
    const admin = adminOf.get(req);
    if (admin && req.method !== 'GET' && req.method !== 'HEAD') auditAdminAction(admin, 'bull_board', { method: req.method, path: req.path });
    next();
  };

  router.get('/admin/login', (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.type('html').send(LOGIN_HTML);
  });
  router.get('/admin/login.js', (_req, res) => {
    res.type('application/javascript').send(LOGIN_JS);
  });
  router.post('/admin/logout', async (req, res) => {
    const cookie = readCookie(req.get('cookie'), ADMIN_COOKIE);
    if (cookie) await deps.sessions.revoke(cookie);
    res.clearCookie(ADMIN_COOKIE, { path: '/admin', httpOnly: true, sameSite: 'strict' });
    res.status(204).end();
  });

  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  const adapter = new BullMQAdapter(deps.queue, { allowRetries: true, description: 'Agent runs: one job per run, job id = run id' });
  // Jobs hold ids only (see RunJobData); anything else that ever lands in a payload stays hidden here.
  adapter.setFormatter('data', (data: unknown) => {
    const parsed = RunJobData.safeParse(data);
    return parsed.success ? parsed.data : { redacted: 'not a run job' };
  });
  createBullBoard({ queues: [adapter], serverAdapter, options: { uiConfig: { boardTitle: 'Netra queues' } } });
  router.use(BOARD_PATH, guard, auditBoard, serverAdapter.getRouter() as Router);
  return router;
}

import { Router } from 'express';
import { ActiveRunsQuery, FailedJobsQuery, ForceCloseBreakerBody, JobIdParams } from '@netra/contracts';
import type { AdminSessions } from '../../auth/admin-sessions.js';
import { ADMIN_COOKIE } from '../../auth/admin-sessions.js';
import type { AdminService } from '../../services/admin.js';
import { auditAdminAction } from '../admin/audit.js';
import { BOARD_PATH } from '../admin/board.js';
import { currentUser, requireRole } from '../middleware.js';
import { parse } from '../validate.js';

/** `/api/v1/admin/*`: operators only (JWT `roles` contains `admin`); every change is audited. */
export function adminRoutes(admin: AdminService, sessions: AdminSessions): Router {
  const router = Router();
  router.use('/admin', requireRole('admin'));

  /** Exchanges the bearer token for the `/admin` cookie that opens Bull Board in a browser. */
  router.post('/admin/session', async (req, res) => {
    const user = currentUser(req);
    const { token, expiresAt } = await sessions.issue(user);
    res.cookie(ADMIN_COOKIE, token, {
      path: '/admin',
      httpOnly: true,
      sameSite: 'strict',
      // Secure whenever the request came over TLS (directly or, with `trust proxy`, through a TLS proxy).
      secure: req.secure,
      maxAge: sessions.ttlSeconds * 1000,
    });
    auditAdminAction(user, 'admin_session');
    res.status(201).json({ expiresAt: expiresAt.toISOString(), url: `${BOARD_PATH}/` });
  });

  router.get('/admin/queue', async (_req, res) => {
    res.json(await admin.queue());
  });

  router.get('/admin/queue/failed', async (req, res) => {
    res.json(await admin.failedJobs(parse(FailedJobsQuery, req.query, 'query')));
  });

  router.post('/admin/queue/jobs/:jobId/retry', async (req, res) => {
    const { jobId } = parse(JobIdParams, req.params, 'path');
    await admin.retryJob(jobId);
    auditAdminAction(currentUser(req), 'job_retry', { jobId });
    res.json({ jobId, action: 'retried' });
  });

  router.delete('/admin/queue/jobs/:jobId', async (req, res) => {
    const { jobId } = parse(JobIdParams, req.params, 'path');
    await admin.removeJob(jobId);
    auditAdminAction(currentUser(req), 'job_remove', { jobId });
    res.json({ jobId, action: 'removed' });
  });

  router.get('/admin/runs/active', async (req, res) => {
    const { limit } = parse(ActiveRunsQuery, req.query, 'query');
    res.json({ data: await admin.activeRuns(limit) });
  });

  router.get('/admin/llm/cache', async (_req, res) => {
    res.json(await admin.cacheStats());
  });

  router.delete('/admin/llm/cache', async (req, res) => {
    const deleted = await admin.clearCache();
    auditAdminAction(currentUser(req), 'llm_cache_clear', { deleted });
    res.json({ deleted });
  });

  router.get('/admin/llm/breakers', async (_req, res) => {
    res.json(await admin.breakers());
  });

  router.post('/admin/llm/breakers/close', async (req, res) => {
    const body = parse(ForceCloseBreakerBody, req.body, 'body');
    const delivered = await admin.forceCloseBreaker(body);
    auditAdminAction(currentUser(req), 'breaker_close', { provider: body.provider, model: body.model, delivered });
    res.json({ ...body, delivered });
  });

  return router;
}

import { Router } from 'express';
import { CreateModelBody, IdParams, UpdateModelBody, type ModelChangeResult } from '@netra/contracts';
import type { CatalogService } from '@netra/usage';
import { auditAdminAction } from '../admin/audit.js';
import { currentUser, requireRole } from '../middleware.js';
import { parse } from '../validate.js';

/** The model catalog: readable by every user, changed only by admins (it is global, not per workspace). */
export function modelRoutes(catalog: CatalogService): Router {
  const router = Router();

  router.get('/models', async (_req, res) => {
    res.json({ data: await catalog.list() });
  });

  router.post('/models', requireRole('admin'), async (req, res) => {
    const body = parse(CreateModelBody, req.body, 'body');
    const { entry, repriced } = await catalog.create(body);
    auditAdminAction(currentUser(req), 'model_create', { modelId: entry.id, model: entry.model, repricedEvents: repriced.events });
    res.status(201).json({ ...entry, repriced } satisfies ModelChangeResult);
  });

  router.patch('/models/:id', requireRole('admin'), async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(UpdateModelBody, req.body, 'body');
    const { entry, repriced } = await catalog.update(id, body);
    auditAdminAction(currentUser(req), 'model_update', { modelId: id, changed: Object.keys(body), repricedEvents: repriced.events });
    res.json({ ...entry, repriced } satisfies ModelChangeResult);
  });

  return router;
}

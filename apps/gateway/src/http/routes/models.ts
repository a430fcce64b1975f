import { Router } from 'express';
import { CreateModelBody, IdParams, UpdateModelBody } from '@netra/contracts';
import type { CatalogService } from '@netra/usage';
import { requireRole } from '../middleware.js';
import { parse } from '../validate.js';

/** The model catalog: readable by every user, changed only by admins (it is global, not per workspace). */
export function modelRoutes(catalog: CatalogService): Router {
  const router = Router();

  router.get('/models', async (_req, res) => {
    res.json({ data: await catalog.list() });
  });

  router.post('/models', requireRole('admin'), async (req, res) => {
    const body = parse(CreateModelBody, req.body, 'body');
    res.status(201).json(await catalog.create(body));
  });

  router.patch('/models/:id', requireRole('admin'), async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(UpdateModelBody, req.body, 'body');
    res.json(await catalog.update(id, body));
  });

  return router;
}

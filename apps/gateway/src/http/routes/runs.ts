import { Router } from 'express';
import { IdParams } from '@netra/contracts';
import type { RunService } from '../../services/runs.js';
import { currentUser } from '../middleware.js';
import { parse } from '../validate.js';

export function runRoutes(runs: RunService): Router {
  const router = Router();

  router.get('/runs/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    res.json(await runs.get(currentUser(req).id, id));
  });

  return router;
}

import { Router, type RequestHandler } from 'express';
import {
  AdoptRecommendationBody,
  CreateBudgetBody,
  CreateScheduleBody,
  CreateWebhookBody,
  IdParams,
  ListAlertsQuery,
  ListDeliveriesQuery,
  UpdateBudgetBody,
  UpdateWebhookBody,
} from '@netra/contracts';
import { errorFields, logger } from '@netra/observability';
import type { AlertStore, BudgetService, BudgetTrigger, RecommendationTracker, ScheduleService } from '@netra/watch';
import type { WebhookRegistry } from '@netra/webhooks';
import { currentUser } from '../middleware.js';
import { parse } from '../validate.js';

export interface WatchDeps {
  webhooks: WebhookRegistry;
  budgets: BudgetService;
  alerts: AlertStore;
  trigger: BudgetTrigger;
  schedules: ScheduleService;
  recommendations: RecommendationTracker;
}

/** Webhooks, budgets, alerts and schedules (issue 15): thin handlers over the @netra/webhooks and @netra/watch services. */
export function watchRoutes(deps: WatchDeps): Router {
  const router = Router();
  const { webhooks, budgets, alerts } = deps;

  router.post('/webhooks', async (req, res) => {
    res.status(201).json(await webhooks.create(currentUser(req).id, parse(CreateWebhookBody, req.body, 'body')));
  });
  router.get('/webhooks', async (req, res) => {
    res.json({ data: await webhooks.list(currentUser(req).id) });
  });
  router.get('/webhooks/:id', async (req, res) => {
    res.json(await webhooks.get(currentUser(req).id, parse(IdParams, req.params, 'path').id));
  });
  router.patch('/webhooks/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    res.json(await webhooks.update(currentUser(req).id, id, parse(UpdateWebhookBody, req.body, 'body')));
  });
  router.delete('/webhooks/:id', async (req, res) => {
    res.json(await webhooks.remove(currentUser(req).id, parse(IdParams, req.params, 'path').id));
  });
  router.get('/webhooks/:id/deliveries', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const { limit } = parse(ListDeliveriesQuery, req.query, 'query');
    res.json({ data: await webhooks.deliveries(currentUser(req).id, id, limit) });
  });
  router.post('/webhooks/:id/ping', async (req, res) => {
    const eventId = await webhooks.ping(currentUser(req).id, parse(IdParams, req.params, 'path').id);
    res.status(202).json({ eventId, queued: true });
  });

  router.post('/budgets', async (req, res) => {
    res.status(201).json(await budgets.create(currentUser(req).id, parse(CreateBudgetBody, req.body, 'body')));
  });
  router.get('/budgets', async (req, res) => {
    res.json({ data: await budgets.list(currentUser(req).id) });
  });
  router.get('/budgets/:id', async (req, res) => {
    res.json(await budgets.get(currentUser(req).id, parse(IdParams, req.params, 'path').id));
  });
  router.patch('/budgets/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    res.json(await budgets.update(currentUser(req).id, id, parse(UpdateBudgetBody, req.body, 'body')));
  });
  router.delete('/budgets/:id', async (req, res) => {
    res.json(await budgets.remove(currentUser(req).id, parse(IdParams, req.params, 'path').id));
  });

  router.post('/schedules', async (req, res) => {
    res.status(201).json(await deps.schedules.create(currentUser(req).id, parse(CreateScheduleBody, req.body, 'body')));
  });
  router.get('/schedules', async (req, res) => {
    res.json({ data: await deps.schedules.list(currentUser(req).id) });
  });
  router.delete('/schedules/:id', async (req, res) => {
    res.json(await deps.schedules.remove(currentUser(req).id, parse(IdParams, req.params, 'path').id));
  });

  router.get('/recommendations', async (req, res) => {
    res.json({ data: await deps.recommendations.list(currentUser(req).id) });
  });
  router.post('/recommendations/:id/adopt', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    res.json(await deps.recommendations.adopt(currentUser(req).id, id, parse(AdoptRecommendationBody, req.body ?? {}, 'body')));
  });
  router.get('/recommendations/:id/outcome', async (req, res) => {
    res.json(await deps.recommendations.outcome(currentUser(req).id, parse(IdParams, req.params, 'path').id));
  });

  router.get('/alerts', async (req, res) => {
    const { limit } = parse(ListAlertsQuery, req.query, 'query');
    res.json({ data: await alerts.list(currentUser(req).id, limit) });
  });

  return router;
}

const log = logger.child({ component: 'budget-trigger' });

/**
 * Mounted before the usage routes: once an ingest answered 2xx, the user's budgets are checked (from the rollups
 * the ingest just wrote). The answer is not held up, and a failure to queue the check is logged, not the client's
 * problem: the timer's sweep catches up.
 */
export function afterIngest(trigger: BudgetTrigger): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'POST' && (req.path === '/usage-events' || req.path.startsWith('/usage-events/'))) {
      // Behind `authenticate`: the caller is known here.
      const userId = currentUser(req).id;
      res.on('finish', () => {
        if (res.statusCode < 200 || res.statusCode >= 300) return;
        trigger.afterIngest(userId).catch((error: unknown) => log.warn('could not queue a budget check', { userId, ...errorFields(error) }));
      });
    }
    next();
  };
}

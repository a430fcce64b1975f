import { Router } from 'express';
import { UnauthorizedError } from '@netra/contracts';
import { metrics, metricsAuthorized, registry } from '@netra/observability';

/** `GET /metrics`: Prometheus text format; behind `Authorization: Bearer <METRICS_TOKEN>` when that is set. */
export function metricsRoutes(token: string | undefined): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (!metricsAuthorized(token, req.get('authorization'))) {
      metrics.securityEvents.inc({ kind: 'metrics_unauthorized' });
      res.setHeader('www-authenticate', 'Bearer realm="metrics"');
      throw new UnauthorizedError('Metrics need Authorization: Bearer <METRICS_TOKEN>');
    }
    res.setHeader('cache-control', 'no-store');
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}

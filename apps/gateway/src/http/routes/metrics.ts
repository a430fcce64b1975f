import { Router } from 'express';
import { UnauthorizedError } from '@netra/contracts';
import { metricsAuthorized, registry } from '@netra/observability';
import type { AuthAttempts } from '../../security/auth-attempts.js';

/**
 * `GET /metrics`: Prometheus text format; behind `Authorization: Bearer <METRICS_TOKEN>` when that is set. A wrong
 * token is a failed authentication like any other (audited, and it spends the address's budget), so the token
 * cannot be guessed faster than RATE_LIMIT_IP_AUTH_FAILURES allows.
 */
export function metricsRoutes(token: string | undefined, attempts: AuthAttempts): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (token !== undefined) await attempts.before(req.ip ?? 'unknown');
    if (!metricsAuthorized(token, req.get('authorization'))) {
      const error = new UnauthorizedError('Metrics need Authorization: Bearer <METRICS_TOKEN>');
      await attempts.failed(req.ip ?? 'unknown', error.message, 'http');
      res.setHeader('www-authenticate', 'Bearer realm="metrics"');
      throw error;
    }
    res.setHeader('cache-control', 'no-store');
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}

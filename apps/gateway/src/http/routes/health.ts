import { Router } from 'express';
import { runHealthChecks, type HealthCheck } from '@netra/observability';

export interface HealthOptions {
  checks: Record<string, HealthCheck>;
  version: string;
  /** False once shutdown began: readiness fails so load balancers stop sending traffic. */
  accepting: () => boolean;
}

export function healthRoutes(options: HealthOptions): Router {
  const router = Router();
  const startedAt = Date.now();

  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok', service: 'gateway' });
  });

  router.get('/health/ready', async (_req, res) => {
    const report = await runHealthChecks(options.checks);
    const accepting = options.accepting();
    const ok = report.status === 'ok' && accepting;
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'unavailable',
      service: 'gateway',
      version: options.version,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      checks: accepting
        ? report.checks
        : { ...report.checks, gateway: { status: 'down', latencyMs: 0, error: 'shutting down' } },
    });
  });

  return router;
}

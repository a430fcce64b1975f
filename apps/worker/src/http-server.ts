import http from 'node:http';
import { metricsAuthorized, registry, runHealthChecks, type HealthCheck } from '@netra/observability';

export interface WorkerHttpOptions {
  port: number;
  host?: string;
  checks: Record<string, HealthCheck>;
  version: string;
  /** METRICS_TOKEN: when set, `/metrics` needs `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
}

/**
 * The worker's only HTTP surface: liveness, readiness and Prometheus metrics. Plain node:http on purpose —
 * the worker does not serve an API.
 */
export class WorkerHttpServer {
  private server: http.Server | undefined;
  private readonly startedAt = Date.now();

  constructor(private readonly options: WorkerHttpOptions) {}

  async start(): Promise<number> {
    const server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '0.0.0.0', () => resolve());
    });
    const address = server.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method !== 'GET') return json(405, { error: { code: 'invalid_message', message: 'GET only' } });
      if (path === '/health/live') return json(200, { status: 'ok', service: 'worker' });
      if (path === '/health/ready') {
        const report = await runHealthChecks(this.options.checks);
        return json(report.status === 'ok' ? 200 : 503, {
          ...report,
          service: 'worker',
          version: this.options.version,
          uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
        });
      }
      if (path === '/metrics') {
        if (!metricsAuthorized(this.options.metricsToken, req.headers.authorization)) {
          res.setHeader('www-authenticate', 'Bearer realm="metrics"');
          return json(401, { error: { code: 'unauthorized', message: 'metrics need Authorization: Bearer <METRICS_TOKEN>' } });
        }
        const body = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(body);
        return;
      }
      json(404, { error: { code: 'not_found', message: `${path} not found` } });
    } catch (error) {
      json(500, { error: { code: 'internal', message: error instanceof Error ? error.message : 'internal error' } });
    }
  }
}

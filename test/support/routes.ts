import type { Express, RequestHandler } from 'express';
import { createApp, type AppDeps } from '../../apps/gateway/src/http/app.js';

export interface RouteEntry {
  method: string;
  /** Express syntax: `/api/v1/threads/:id`. */
  path: string;
}

/** The parts of express 5's router layers (the `router` package) the walker reads; not in @types/express. */
interface Layer {
  rawPath?: string | string[];
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** Mount point of Bull Board, whose internal routes are Bull Board's own: listed as its page only. */
const BOARD = '/admin/queues';

/** Every route the app serves, read from its routers (mount paths joined), in registration order. */
export function listRoutes(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      const raw = Array.isArray(layer.rawPath) ? layer.rawPath[0] : layer.rawPath;
      if (layer.route) {
        for (const path of Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path]) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: `${prefix}${path}` });
          }
        }
      } else if (raw === BOARD) {
        out.push({ method: 'GET', path: BOARD });
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, raw && raw !== '/' ? `${prefix}${raw}` : prefix);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  const seen = new Set<string>();
  return out.filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`));
}

/**
 * The gateway's express app built with inert dependencies: only its routing table is real (nothing is called),
 * for tests that must cover every route without a hand-kept list.
 */
export function routingApp(): Express {
  const stub = {} as unknown;
  const pass: RequestHandler = (_req, _res, next) => next();
  // Bull Board's adapter only checks that it was given a BullMQ queue.
  const queue = { metaValues: { version: 'bullmq' }, name: 'agent-runs' };
  return createApp({
    verifier: stub,
    tickets: stub,
    users: stub,
    threads: stub,
    messages: stub,
    runs: stub,
    streams: stub,
    usage: stub,
    catalog: stub,
    security: { headers: [pass], cors: pass, limitByAddress: pass, limitByUser: pass, inlineStylesAllowed: pass, trustProxy: () => false, authAttempts: stub },
    accepting: () => true,
    devLogin: { enabled: false, secret: undefined, ttlSeconds: 60 },
    health: { checks: {}, version: 'test', accepting: () => true },
    ops: { version: 'test', metricsToken: undefined, queue, admin: stub, sessions: stub },
    watch: { webhooks: stub, budgets: stub, alerts: stub, trigger: stub, schedules: stub, recommendations: stub },
    // Inert by design: nothing is ever called, so the types of the parts cannot (and need not) match.
  } as unknown as AppDeps);
}

/** Every route of the gateway. */
export function gatewayRoutes(): RouteEntry[] {
  const routes = listRoutes(routingApp());
  if (routes.length === 0) throw new Error('no routes found: express internals changed');
  return routes;
}

import type { RequestHandler } from 'express';
import { createApp, type AppDeps } from '../../apps/gateway/src/http/app.js';

export interface RouteEntry {
  method: string;
  path: string;
}

/** The bits of an express 5 router layer (the `router` package) this walker reads. */
interface Layer {
  handle: { stack?: Layer[] };
  rawPath?: unknown;
  route?: { path: string; methods: Record<string, boolean> };
}

function walk(stack: Layer[], prefix: string): RouteEntry[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      return Object.keys(layer.route.methods)
        .filter((m) => m !== '_all')
        .map((method) => ({ method: method.toUpperCase(), path: `${prefix}${layer.route!.path}` }));
    }
    if (!layer.handle.stack) return [];
    if (typeof layer.rawPath !== 'string') throw new Error('express internals changed: a mounted router has no rawPath');
    return walk(layer.handle.stack, layer.rawPath === '/' ? prefix : `${prefix}${layer.rawPath}`);
  });
}

/**
 * Every route the gateway's express app serves, read from the app itself (not a hand-kept list), so a route
 * added later is in the attack matrices automatically. The app is built with inert dependencies: nothing is
 * called, only the routers are walked.
 */
export function gatewayRoutes(): RouteEntry[] {
  const pass: RequestHandler = (_req, _res, next) => next();
  const deps = {
    security: { headers: [pass], cors: pass, limitByAddress: pass, limitByUser: pass, trustProxy: () => false },
    devLogin: { enabled: false, secret: undefined, ttlSeconds: 60 },
    health: { checks: {}, version: 'routes', accepting: () => true },
    accepting: () => true,
  } as unknown as AppDeps;
  const app = createApp(deps) as unknown as { router: { stack: Layer[] } };
  const routes = walk(app.router.stack, '');
  if (routes.length === 0) throw new Error('no routes found: express internals changed');
  return routes;
}

import type { Express } from 'express';
import { Redis } from 'ioredis';
import { validate } from '@readme/openapi-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { createRunQueue, RedisNames } from '@netra/bus';
import { createApp, type AppDeps } from '../src/http/app.js';
import { buildOpenApi } from '../src/http/openapi.js';

/** The parts of express 5's router layers this test reads (not in @types/express). */
interface Layer {
  rawPath?: string | string[];
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** Every `METHOD /path` the app serves, found by walking its router (mount paths joined, `:id` → `{id}`). */
function servedRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      const raw = Array.isArray(layer.rawPath) ? layer.rawPath[0] : layer.rawPath;
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on && method !== '_all') out.push(`${method.toUpperCase()} ${`${prefix}${p}`.replace(/:(\w+)/g, '{$1}')}`);
          }
        }
      } else if (raw === '/admin/queues') {
        // Bull Board: its page is ours to document; its internal JSON API is Bull Board's own.
        out.push('GET /admin/queues');
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, raw && raw !== '/' ? `${prefix}${raw}` : prefix);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...new Set(out)].sort();
}

function documentedRoutes(doc: OpenAPIV3_1.Document): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) if (item?.[method]) out.push(`${method.toUpperCase()} ${path}`);
  }
  return out.sort();
}

describe('OpenAPI document', () => {
  const doc = buildOpenApi({ version: 'test' }) as unknown as OpenAPIV3_1.Document;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  });
  afterAll(() => {
    redis.disconnect();
  });

  it('is valid OpenAPI 3.1', async () => {
    const result = await validate(structuredClone(doc) as unknown as Parameters<typeof validate>[0]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('covers every route the gateway serves, and documents no route it does not serve', () => {
    // Only the routing table matters here: the services behind the handlers are never called.
    const stub = {} as unknown;
    const queue = createRunQueue(redis, new RedisNames('openapi_test'));
    const app = createApp({
      verifier: stub,
      tickets: stub,
      users: stub,
      threads: stub,
      messages: stub,
      runs: stub,
      streams: stub,
      usage: stub,
      catalog: stub,
      accepting: () => true,
      devLogin: { enabled: false, secret: undefined, ttlSeconds: 60 },
      health: { checks: {}, version: 'test', accepting: () => true },
      ops: { version: 'test', metricsToken: undefined, queue, admin: stub, sessions: stub },
    } as AppDeps);
    const served = servedRoutes(app);
    expect(served.length).toBeGreaterThan(30);
    expect(documentedRoutes(doc)).toEqual(served);
  });

  it('names the shared schemas as components and references them', () => {
    const schemas = Object.keys(doc.components?.schemas ?? {});
    expect(schemas).toEqual(expect.arrayContaining(['Error', 'Thread', 'Run', 'RunEvent', 'Report', 'Health']));
    expect(JSON.stringify(doc.paths)).toContain('#/components/schemas/Thread');
  });
});

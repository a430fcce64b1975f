import { validate } from '@readme/openapi-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { buildOpenApi } from '../src/http/openapi.js';
import { listRoutes, routingApp } from '../../../test/support/routes.js';

/** Every `METHOD /path` the app serves, in OpenAPI syntax (`:id` → `{id}`). */
function servedRoutes(): string[] {
  return [...new Set(listRoutes(routingApp()).map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`))].sort();
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

  it('is valid OpenAPI 3.1', async () => {
    const result = await validate(structuredClone(doc) as unknown as Parameters<typeof validate>[0]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('covers every route the gateway serves, and documents no route it does not serve', () => {
    const served = servedRoutes();
    expect(served.length).toBeGreaterThan(30);
    expect(documentedRoutes(doc)).toEqual(served);
  });

  it('names the shared schemas as components and references them', () => {
    const schemas = Object.keys(doc.components?.schemas ?? {});
    expect(schemas).toEqual(expect.arrayContaining(['Error', 'Thread', 'Run', 'RunEvent', 'Report', 'Health']));
    expect(JSON.stringify(doc.paths)).toContain('#/components/schemas/Thread');
  });
});

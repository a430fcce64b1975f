import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ImportResult, ModelChangeResult, PublicConfig, UsageSummary, USAGE_TIMESTAMP_FORMS } from '@netra/contracts';
import { Api, tokenFor } from '../support/clients.js';
import { ROOT } from '../support/paths.js';
import { Stack } from '../support/stack.js';

// What a new user meets in the first hour (issue 14): the sample files, timestamps in the forms people have,
// a model priced after its events were imported, numbers the API answers rounded, and the public config.

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start('first-hour', { workers: 0 });
});

afterAll(async () => {
  await stack?.stop();
});

async function importFile(api: Api, body: string, contentType: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${api.baseUrl}/api/v1/usage-events/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.token}`, 'content-type': contentType },
    body,
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

async function userId(subject: string): Promise<string> {
  return (await stack.db.user.findUniqueOrThrow({ where: { subject } })).id;
}

/**
 * The largest difference between a rollup's cost and the sum over its events (of any workspace): they must agree
 * after any repricing, up to float summation order (1e-17 on the sample's costs).
 */
async function rollupDrift(): Promise<{ rollups: number; dimensions: number; hashed: number }> {
  const [row] = await stack.db.$queryRaw<{ rollups: number; dimensions: number; hashed: number }[]>`
    WITH ev AS (
      SELECT user_id, (ts AT TIME ZONE 'UTC')::date AS day, model, app, sum(cost_usd) AS cost,
             coalesce(sum(cost_usd) FILTER (WHERE prompt_hash IS NOT NULL), 0) AS hashed
        FROM usage_events GROUP BY 1, 2, 3, 4
    ), dim AS (
      SELECT user_id, (ts AT TIME ZONE 'UTC')::date AS day, 'team' AS key, metadata->>'team' AS value, model, app, sum(cost_usd) AS cost
        FROM usage_events WHERE metadata->>'team' IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6
    )
    SELECT (SELECT coalesce(max(abs(r.cost_usd - ev.cost)), 0) FROM usage_rollups r JOIN ev USING (user_id, day, model, app))::float8 AS rollups,
           (SELECT coalesce(max(abs(r.hashed_cost_usd - ev.hashed)), 0) FROM usage_rollups r JOIN ev USING (user_id, day, model, app))::float8 AS hashed,
           (SELECT coalesce(max(abs(r.cost_usd - dim.cost)), 0) FROM usage_dimension_rollups r JOIN dim USING (user_id, day, key, value, model, app))::float8 AS dimensions`;
  return row!;
}

function expectNoDrift(drift: { rollups: number; dimensions: number; hashed: number }): void {
  for (const value of Object.values(drift)) expect(value).toBeLessThan(1e-9);
}

describe('the sample files', () => {
  it('import as the README says: every line accepted, the in-house model listed as unpriced, the CSV the same calls', async () => {
    const api = await stack.api('sample-user');
    const jsonl = await readFile(path.join(ROOT, 'examples/usage.jsonl'), 'utf8');
    const lines = jsonl.trim().split('\n').length;
    const first = await importFile(api, jsonl, 'application/x-ndjson');
    expect(first.status).toBe(200);
    expect(ImportResult.parse(first.body)).toMatchObject({ accepted: lines, rejected: 0, duplicates: 0, unpricedModels: ['acme-coder-7b'] });

    const csv = await readFile(path.join(ROOT, 'examples/usage.csv'), 'utf8');
    const second = await importFile(api, csv, 'text/csv');
    expect(ImportResult.parse(second.body)).toMatchObject({ accepted: 0, rejected: 0, duplicates: lines });
  });
});

describe('timestamps', () => {
  it('accepts ISO with a space or T, with or without an offset, and epoch seconds or ms; a refusal names the forms', async () => {
    const api = await stack.api('ts-user');
    const base = { app: 'chat', model: 'gpt-4o', promptTokens: 10, completionTokens: 5, latencyMs: 300, status: 'ok' };
    const forms = ['2026-11-21 10:05:00', '2026-11-21T11:05:00+01:00', '2026-11-21T10:05:00Z', 1763719500 + 365 * 86_400, '1795255500000'];
    const body = [...forms.map((timestamp, i) => ({ ...base, id: `t${i}`, timestamp })), { ...base, id: 'bad', timestamp: '21/11/2026 10:05' }]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const res = ImportResult.parse((await importFile(api, body, 'application/x-ndjson')).body);
    expect(res).toMatchObject({ accepted: 5, rejected: 1 });
    expect(res.errors[0]).toMatchObject({ line: 6, id: 'bad' });
    expect(res.errors[0]?.message).toContain(USAGE_TIMESTAMP_FORMS);
    const stored = await stack.db.usageEvent.findMany({ where: { userId: await userId('ts-user') }, select: { ts: true } });
    // Every form above names the same instant, 2026-11-21T10:05:00Z.
    expect(new Set(stored.map((e) => e.ts.toISOString()))).toEqual(new Set(['2026-11-21T10:05:00.000Z']));
  });
});

describe('a model priced after its events were imported', () => {
  it('reprices the events priced from the catalog, in every workspace, rollups included; a cost the client sent stays', async () => {
    const model = 'firsthour-llm-70b';
    const event = (id: string, over: Record<string, unknown> = {}) => ({
      id, timestamp: '2026-11-10T10:00:00Z', app: 'bot', model, promptTokens: 2_000_000, completionTokens: 1_000_000, latencyMs: 300, status: 'ok',
      metadata: { team: 'growth' }, ...over,
    });
    const alice = await stack.api('reprice-alice');
    const bob = await stack.api('reprice-bob');
    const a = await alice.post('/api/v1/usage-events', {
      events: [
        event('a1'),
        event('a2', { timestamp: '2026-11-11T23:59:59Z', promptHash: 'a'.repeat(64) }),
        event('a3', { costUsd: 1.25 }),
        event('a4', { model: `${model}-2026-11-01`, app: 'other' }),
      ],
    });
    expect(a.body).toMatchObject({ accepted: 4, unpricedModels: [model, `${model}-2026-11-01`] });
    await bob.post('/api/v1/usage-events', { events: [event('b1', { metadata: { team: 'ops' } })] });

    const admin = new Api(stack.gateway.url, await tokenFor('reprice-admin', { roles: ['admin'] }));
    const created = await admin.post('/api/v1/models', { provider: 'self-hosted', model, inputPricePerMTok: 1, outputPricePerMTok: 2, qualityScore: 70, contextWindow: 32_000 });
    expect(created.status).toBe(201);
    const change = ModelChangeResult.parse(created.body);
    // a1, a2, the dated a4 (priced as its family) and b1; not a3, whose cost the client sent.
    expect(change.repriced).toEqual({ events: 4, workspaces: 2 });
    const costs = async () =>
      Object.fromEntries((await stack.db.usageEvent.findMany({ where: { model: { startsWith: model } }, select: { eventId: true, costUsd: true } })).map((e) => [e.eventId, e.costUsd]));
    expect(await costs()).toEqual({ a1: 4, a2: 4, a3: 1.25, a4: 4, b1: 4 });
    expectNoDrift(await rollupDrift());

    // Whole days come from the rollups: the summary says the same.
    const summary = UsageSummary.parse((await alice.get('/api/v1/usage/summary?from=2026-11-10T00:00:00Z&to=2026-11-12T00:00:00Z')).body);
    expect(summary.totals.costUsd).toBe(4 + 4 + 1.25 + 4);
    // Per day and app too (the data page's charts by app): the same calls.
    expect(summary.byDayAndApp.map((r) => [r.day, r.app, r.requests, r.costUsd])).toEqual([
      ['2026-11-10', 'bot', 2, 4 + 1.25],
      ['2026-11-10', 'other', 1, 4],
      ['2026-11-11', 'bot', 1, 4],
    ]);

    // A correction moves them again; the same correction again changes nothing.
    const corrected = await admin.patch(`/api/v1/models/${change.id}`, { outputPricePerMTok: 3 });
    expect(ModelChangeResult.parse(corrected.body).repriced).toEqual({ events: 4, workspaces: 2 });
    expect(await costs()).toEqual({ a1: 5, a2: 5, a3: 1.25, a4: 5, b1: 5 });
    expectNoDrift(await rollupDrift());
    expect(ModelChangeResult.parse((await admin.patch(`/api/v1/models/${change.id}`, { outputPricePerMTok: 3 })).body).repriced).toEqual({ events: 0, workspaces: 0 });
    // A change that is not a price reprices nothing.
    expect(ModelChangeResult.parse((await admin.patch(`/api/v1/models/${change.id}`, { qualityScore: 71 })).body).repriced).toEqual({ events: 0, workspaces: 0 });
  });
});

describe('numbers in API answers', () => {
  it('rounds money to 6 decimals and latencies to whole ms', async () => {
    const api = await stack.api('round-user');
    await api.post('/api/v1/usage-events', {
      events: [
        { id: 'r1', timestamp: '2026-11-05T10:00:00Z', app: 'a', model: 'x', promptTokens: 1, completionTokens: 1, latencyMs: 300, status: 'ok', costUsd: 0.1 },
        { id: 'r2', timestamp: '2026-11-05T11:00:00Z', app: 'a', model: 'x', promptTokens: 1, completionTokens: 1, latencyMs: 300, status: 'ok', costUsd: 0.2 },
        { id: 'r3', timestamp: '2026-11-05T12:00:00Z', app: 'a', model: 'x', promptTokens: 1, completionTokens: 1, latencyMs: 300, status: 'ok', costUsd: 0.00000049 },
      ],
    });
    const summary = UsageSummary.parse((await api.get('/api/v1/usage/summary?from=2026-11-05T00:00:00Z&to=2026-11-06T00:00:00Z')).body);
    // 0.1 + 0.2 + 0.00000049 is 0.30000049000000003 in floating point.
    expect(summary.totals.costUsd).toBe(0.3);
    for (const row of [summary.totals, ...summary.byModel, ...summary.byApp]) {
      for (const ms of [row.p50LatencyMs, row.p95LatencyMs, row.p99LatencyMs]) expect(Number.isInteger(ms)).toBe(true);
      expect(Math.abs(row.p50LatencyMs - 300)).toBeLessThanOrEqual(6);
    }
    for (const row of [...summary.byDay, ...summary.byDayAndModel]) expect(Number.isInteger(row.p95LatencyMs)).toBe(true);
  });
});

describe('GET /api/v1/public-config', () => {
  it('tells a client without a token whether development sign-in is on', async () => {
    const res = await (await stack.api()).get('/api/v1/public-config');
    expect(res.status).toBe(200);
    expect(PublicConfig.parse(res.body)).toEqual({ devLogin: true });
  });
});

import { gzipSync } from 'node:zlib';
import {
  ImportResult,
  ImportStreamLine,
  IngestResult,
  ModelCatalogEntry,
  ModelList,
  SyntheticUsageResult,
  UsageEventInput,
  UsageSummary,
} from '@netra/contracts';
import { CatalogService, UsageWriter } from '@netra/usage';
import { Api, tokenFor } from '../support/clients.js';
import { Stack } from '../support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start('usage', { workers: 0 });
});

afterAll(async () => {
  await stack?.stop();
});

const hash = (n: number) => n.toString(16).padStart(64, '0');

function event(id: string, over: Record<string, unknown> = {}) {
  return {
    id,
    timestamp: '2026-10-05T10:00:00.000Z',
    app: 'chat',
    model: 'gpt-4o',
    promptTokens: 1000,
    completionTokens: 200,
    latencyMs: 800,
    status: 'ok',
    ...over,
  };
}

async function userId(subject: string): Promise<string> {
  const user = await stack.db.user.findUniqueOrThrow({ where: { subject } });
  return user.id;
}

/** Usage events stored for a subject (0 when the user was never seen). */
async function eventCount(subject: string): Promise<number> {
  const [row] = await stack.db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM usage_events e JOIN users u ON u.id = e.user_id WHERE u.subject = ${subject}`;
  return row?.n ?? 0;
}

/** What SQL over the events says about a window: the ground truth the summary must equal. */
async function sqlTotals(subject: string, from: string, to: string) {
  const id = await userId(subject);
  const rows = await stack.db.$queryRaw<{ requests: number; cost: number | null; errors: number }[]>`
    SELECT count(*)::int AS requests, sum(cost_usd)::float8 AS cost, (count(*) FILTER (WHERE status = 'error'))::int AS errors
      FROM usage_events WHERE user_id = ${id}::uuid AND ts >= ${new Date(from)} AND ts < ${new Date(to)}`;
  return rows[0]!;
}

describe('POST /usage-events', () => {
  it('stores valid events, dedupes by id, rejects bad ones with reasons, and prices events from the catalog', async () => {
    const api = await stack.api('ingest-a');
    const res = await api.post<IngestResult>('/api/v1/usage-events', {
      events: [
        event('e1'),
        event('e2', { costUsd: 0.5, model: 'my-finetune' }),
        event('e3', { promptTokens: -1 }),
        'not an object',
        event('e1'),
        event('e4', { model: 'mystery-model' }),
        event('e5', { model: 'gpt-4o-2024-08-06', promptHash: hash(1) }),
      ],
    });
    expect(res.status).toBe(200);
    const body = IngestResult.parse(res.body);
    expect(body).toMatchObject({ accepted: 4, duplicates: 1, rejected: 2, unpricedModels: ['mystery-model'] });
    expect(body.errors.map((e) => e.index)).toEqual([2, 3]);
    expect(body.errors[0]?.message).toMatch(/promptTokens/);
    expect(body.errors[0]?.id).toBe('e3');

    // Sending the same batch again stores nothing new.
    const again = await api.post<IngestResult>('/api/v1/usage-events', { events: [event('e1'), event('e2', { costUsd: 0.5 })] });
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 2, rejected: 0 });

    const rows = await stack.db.usageEvent.findMany({ where: { userId: await userId('ingest-a') }, orderBy: { eventId: 'asc' } });
    expect(rows.map((r) => r.eventId)).toEqual(['e1', 'e2', 'e4', 'e5']);
    // gpt-4o at $2.50 / $10 per million: 1000 · 2.5e-6 + 200 · 10e-6 = 0.0045 (the dated name maps to gpt-4o).
    expect(rows[0]?.costUsd).toBeCloseTo(0.0045, 10);
    expect(rows[1]?.costUsd).toBe(0.5);
    expect(rows[2]?.costUsd).toBe(0);
    expect(rows[3]?.costUsd).toBeCloseTo(0.0045, 10);
    expect(rows[0]?.provider).toBe('openai');
  });

  it('rejects a body that is not a batch, and a batch over 5,000 events, writing nothing', async () => {
    const api = await stack.api('ingest-b');
    expect((await api.post('/api/v1/usage-events', { events: [] })).status).toBe(400);
    expect((await api.post('/api/v1/usage-events', [event('x')])).status).toBe(400);
    const big = Array.from({ length: 5_001 }, (_, i) => event(`b${i}`));
    const res = await api.post<{ error: { code: string } }>('/api/v1/usage-events', { events: big });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_message');
    expect(await eventCount('ingest-b')).toBe(0);
  });

  it('needs authentication', async () => {
    const anonymous = new Api(stack.gateway.url);
    expect((await anonymous.post('/api/v1/usage-events', { events: [event('z')] })).status).toBe(401);
  });

  // usage_events has no foreign key (one per row was a third of an import's database time): the trigger and the
  // batch's lock on the user row must give what ON DELETE CASCADE and the key check gave.
  it("a deleted user's events go with it, and nothing is stored for a user that does not exist", async () => {
    const gone = await stack.api('owner-gone');
    const kept = await stack.api('owner-kept');
    expect((await gone.post('/api/v1/usage-events', { events: [event('o1'), event('o2'), event('o3')] })).status).toBe(200);
    expect((await kept.post('/api/v1/usage-events', { events: [event('o1'), event('o2')] })).status).toBe(200);
    const goneId = await userId('owner-gone');
    expect(await eventCount('owner-gone')).toBe(3);
    expect(await stack.db.usageRollup.count({ where: { userId: goneId } })).toBe(1);

    await stack.db.user.delete({ where: { id: goneId } });
    expect(await stack.db.usageEvent.count({ where: { userId: goneId } })).toBe(0);
    expect(await stack.db.usageRollup.count({ where: { userId: goneId } })).toBe(0);
    expect(await eventCount('owner-kept')).toBe(2);

    const writer = new UsageWriter(stack.db, new CatalogService(stack.db));
    await expect(writer.write(goneId, [UsageEventInput.parse(event('o4'))])).resolves.toEqual({ inserted: 0, unpricedModels: [] });
    expect(await stack.db.usageEvent.count({ where: { userId: goneId } })).toBe(0);
  });
});

describe('POST /usage-events/import', () => {
  async function importBody(api: Api, body: string | Buffer<ArrayBuffer>, headers: Record<string, string>): Promise<{ status: number; text: string }> {
    const res = await fetch(`${api.baseUrl}/api/v1/usage-events/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, ...headers },
      body,
    });
    return { status: res.status, text: await res.text() };
  }

  it('imports JSONL, keeping good lines and reporting bad ones by line number', async () => {
    const api = await stack.api('import-a');
    const lines = [
      JSON.stringify(event('j1')),
      '{"id": "j2", broken',
      '',
      JSON.stringify(event('j3', { status: 'maybe' })),
      JSON.stringify(event('j4', { app: 'rag' })),
      JSON.stringify(event('j1')),
    ];
    const res = await importBody(api, `${lines.join('\r\n')}\n`, { 'content-type': 'application/x-ndjson' });
    expect(res.status).toBe(200);
    const result = ImportResult.parse(JSON.parse(res.text));
    expect(result).toMatchObject({ format: 'jsonl', accepted: 2, duplicates: 1, rejected: 2, lines: 6 });
    expect(result.errors.map((e) => e.line)).toEqual([2, 4]);
    expect(result.errors[0]?.message).toMatch(/not valid JSON/);
    expect(result.errors[1]?.message).toMatch(/status/);
  });

  it('imports CSV with quoted fields, gzip, and streams NDJSON progress when asked', async () => {
    const api = await stack.api('import-b');
    const csv = [
      'id,timestamp,app,model,prompt_tokens,completion_tokens,latency_ms,status,cost_usd,metadata',
      `c1,2026-10-05T10:00:00Z,"chat, EU",gpt-4o-mini,100,50,300,ok,,"{""team"":""a""}"`,
      'c2,2026-10-05T11:00:00Z,chat,gpt-4o-mini,abc,50,300,ok,,',
      'c3,2026-10-05T12:00:00Z,"multi',
      'line app",gpt-4o-mini,100,50,300,error,0.25,',
    ].join('\n');
    const res = await importBody(api, gzipSync(csv), {
      'content-type': 'text/csv',
      'content-encoding': 'gzip',
      accept: 'application/x-ndjson',
    });
    expect(res.status).toBe(200);
    const lines = res.text.trim().split('\n').map((l) => ImportStreamLine.parse(JSON.parse(l)));
    const last = lines[lines.length - 1];
    expect(last?.type).toBe('result');
    if (last?.type !== 'result') throw new Error('unreachable');
    expect(last).toMatchObject({ format: 'csv', accepted: 2, rejected: 1 });
    expect(last.errors[0]).toMatchObject({ line: 3 });
    const rows = await stack.db.usageEvent.findMany({ where: { userId: await userId('import-b') }, orderBy: { eventId: 'asc' } });
    expect(rows.map((r) => [r.eventId, r.app, r.status])).toEqual([
      ['c1', 'chat, EU', 'ok'],
      ['c3', 'multi\nline app', 'error'],
    ]);
    expect(rows[0]?.metadata).toEqual({ team: 'a' });
    expect(rows[1]?.costUsd).toBe(0.25);
  });

  it('refuses a body of unknown format and a CSV without the required columns', async () => {
    const api = await stack.api('import-c');
    expect((await importBody(api, 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    const res = await importBody(api, 'id,app\n1,chat\n', { 'content-type': 'text/csv' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/timestamp/);
  });
});

describe('synthetic workload and summary', () => {
  it('generates a deterministic workload; the summary equals SQL over the same window', async () => {
    const api = await stack.api('synth');
    const res = await api.post<SyntheticUsageResult>('/api/v1/usage-events/synthetic', { days: 10, requestsPerDay: 300, seed: 7 });
    expect(res.status).toBe(201);
    const first = SyntheticUsageResult.parse(res.body);
    expect(first.accepted).toBe(first.generated);
    expect(first.generated).toBeGreaterThan(2_000);
    const again = await api.post<SyntheticUsageResult>('/api/v1/usage-events/synthetic', { days: 10, requestsPerDay: 300, seed: 7 });
    expect(again.body).toMatchObject({ accepted: 0, duplicates: first.generated });

    // A window with ragged edges: whole days come from rollups, the edges from the events.
    const from = new Date(Date.parse(first.window.from) + 5 * 3_600_000 + 123).toISOString();
    const to = new Date(Date.parse(first.window.to) - 7 * 3_600_000 - 45_000).toISOString();
    for (const [f, t] of [
      [first.window.from, first.window.to],
      [from, to],
      [from, new Date(Date.parse(from) + 3 * 3_600_000).toISOString()],
    ] as const) {
      const summary = await api.get<UsageSummary>(`/api/v1/usage/summary?from=${encodeURIComponent(f)}&to=${encodeURIComponent(t)}`);
      expect(summary.status).toBe(200);
      const s = UsageSummary.parse(summary.body);
      const sql = await sqlTotals('synth', f, t);
      expect(s.totals.requests).toBe(sql.requests);
      expect(s.totals.costUsd).toBeCloseTo(sql.cost ?? 0, 6);
      expect(s.totals.errorRate).toBeCloseTo(sql.requests === 0 ? 0 : sql.errors / sql.requests, 10);
      expect(s.byModel.reduce((a, m) => a + m.requests, 0)).toBe(sql.requests);
      expect(s.byApp.reduce((a, m) => a + m.requests, 0)).toBe(sql.requests);
      expect(s.byDay.reduce((a, m) => a + m.requests, 0)).toBe(sql.requests);
      // Each row's cost is rounded to 6 decimals (README "Usage data"): the sum may be off by half a millionth per row.
      expect(Math.abs(s.byDayAndModel.reduce((a, m) => a + m.costUsd, 0) - (sql.cost ?? 0))).toBeLessThanOrEqual(s.byDayAndModel.length * 5e-7 + 1e-9);
    }

    // Percentiles come from histograms: within 3% of the exact ones.
    const summary = UsageSummary.parse((await api.get(`/api/v1/usage/summary?from=${first.window.from}&to=${first.window.to}`)).body);
    const id = await userId('synth');
    const exact = await stack.db.$queryRaw<{ p50: number; p95: number }[]>`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p95
        FROM usage_events WHERE user_id = ${id}::uuid`;
    expect(Math.abs(summary.totals.p50LatencyMs / exact[0]!.p50 - 1)).toBeLessThan(0.03);
    expect(Math.abs(summary.totals.p95LatencyMs / exact[0]!.p95 - 1)).toBeLessThan(0.03);
    expect(summary.byApp.map((a) => a.app).sort()).toEqual(['agent-tools', 'autocomplete', 'docs-rag', 'nightly-batch', 'support-chat']);
  });

  it('rejects a summary window that ends before it starts, and too large a synthetic request', async () => {
    const api = await stack.api('synth-bad');
    expect((await api.get('/api/v1/usage/summary?from=2026-10-05T00:00:00Z&to=2026-10-01T00:00:00Z')).status).toBe(400);
    expect((await api.get('/api/v1/usage/summary?from=yesterday')).status).toBe(400);
    expect((await api.post('/api/v1/usage-events/synthetic', { days: 365, requestsPerDay: 100_000 })).status).toBe(400);
  });
});

describe('model catalog', () => {
  it('is seeded, readable by everyone and writable by admins only', async () => {
    const user = await stack.api('catalog-user');
    const list = ModelList.parse((await user.get('/api/v1/models')).body);
    expect(list.data.length).toBeGreaterThanOrEqual(20);
    const gpt4o = list.data.find((m) => m.model === 'gpt-4o');
    expect(gpt4o).toMatchObject({ provider: 'openai', inputPricePerMTok: 2.5, outputPricePerMTok: 10 });

    const model = { provider: 'acme', model: 'acme-1', inputPricePerMTok: 1, outputPricePerMTok: 2, qualityScore: 70, contextWindow: 32_000 };
    expect((await user.post('/api/v1/models', model)).status).toBe(403);
    expect((await user.patch(`/api/v1/models/${gpt4o!.id}`, { inputPricePerMTok: 0 })).status).toBe(403);

    const admin = new Api(stack.gateway.url, await tokenFor('catalog-admin', { roles: ['admin'] }));
    const created = await admin.post<ModelCatalogEntry>('/api/v1/models', model);
    expect(created.status).toBe(201);
    expect(ModelCatalogEntry.parse(created.body)).toMatchObject({ model: 'acme-1', typicalLatencyMs: null });
    expect((await admin.post('/api/v1/models', model)).status).toBe(409);
    expect((await admin.post('/api/v1/models', { ...model, model: 'acme-2', qualityScore: 101 })).status).toBe(400);

    const patched = await admin.patch<ModelCatalogEntry>(`/api/v1/models/${created.body.id}`, { outputPricePerMTok: 3, typicalLatencyMs: 900 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ outputPricePerMTok: 3, typicalLatencyMs: 900, inputPricePerMTok: 1 });
    expect((await admin.patch(`/api/v1/models/${created.body.id}`, {})).status).toBe(400);
    expect((await admin.patch('/api/v1/models/00000000-0000-4000-8000-000000000000', { qualityScore: 1 })).status).toBe(404);

    // New events of the model are priced with the new price.
    const ingest = await admin.post<IngestResult>('/api/v1/usage-events', { events: [event('acme', { model: 'acme-1', promptTokens: 1_000_000, completionTokens: 1_000_000 })] });
    expect(ingest.body.accepted).toBe(1);
    const row = await stack.db.usageEvent.findFirstOrThrow({ where: { eventId: 'acme' } });
    expect(row.costUsd).toBeCloseTo(4, 10);
  });
});

import { randomUUID } from 'node:crypto';
import type { MessageAccepted, Thread, ThreadPage } from '@netra/contracts';
import { Api, tokenFor } from '../support/clients.js';
import { gatewayRoutes, type RouteEntry } from '../support/routes.js';
import { Stack } from '../support/stack.js';

// A signed-in user attacking other users' data and the database: every route of the app (read from the express
// routers themselves, so new routes are covered without editing this file) and every frame, with another
// user's ids, with ids that are not ids, and with injection strings in every id and text field.

const PUBLIC = new Set([
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics', // public only while METRICS_TOKEN is unset, as in this stack
  'GET /api/openapi.json',
  'GET /api/docs',
  'GET /admin/login',
  'GET /admin/login.js',
  'POST /admin/logout',
  'POST /api/v1/auth/dev-token',
  // Whether dev login is on: the sign-in page asks before anyone has a token (nothing secret, nothing per user).
  'GET /api/v1/public-config',
]);
/** Routes changed only by admins; anything under /admin or /api/v1/admin is admin-only too. */
const ADMIN = new Set(['POST /api/v1/models', 'PATCH /api/v1/models/:id']);
/** A body that passes validation, so that a request reaches the ownership check. */
const BODIES: Record<string, unknown> = {
  'PATCH /api/v1/threads/:id': { title: 'taken over' },
  'POST /api/v1/threads/:id/messages': { text: 'hijack this thread', clientMessageId: 'idor' },
  'PATCH /api/v1/models/:id': { qualityScore: 1 },
  'PATCH /api/v1/webhooks/:id': { description: 'taken over' },
  'PATCH /api/v1/budgets/:id': { name: 'taken over' },
};

type Resource = 'thread' | 'run' | 'model' | 'webhook' | 'budget' | 'schedule' | 'recommendation';
const key = (r: RouteEntry) => `${r.method} ${r.path}`;
const isAdmin = (r: RouteEntry) => !PUBLIC.has(key(r)) && (ADMIN.has(key(r)) || /^\/(api\/v1\/)?admin(\/|$)/.test(r.path));

/** Which resource an `:id` of a user route stands for, from the segment before it. A new kind must be added here. */
function resourceOf(route: RouteEntry): Resource | null {
  if (isAdmin(route)) return null;
  const params = route.path.match(/:[A-Za-z]+/g) ?? [];
  if (params.length === 0) return null;
  const match = /\/(threads|runs|models|webhooks|budgets|schedules|recommendations)\/:id(\/|$)/.exec(route.path);
  if (params.length !== 1 || !match) throw new Error(`${key(route)}: unknown path parameter; teach the IDOR matrix what it is`);
  const kinds = { threads: 'thread', runs: 'run', models: 'model', webhooks: 'webhook', budgets: 'budget', schedules: 'schedule', recommendations: 'recommendation' } as const;
  return kinds[match[1] as keyof typeof kinds];
}

const INJECTIONS = [
  "' OR '1'='1",
  "1; DROP TABLE threads; --",
  "'; DELETE FROM messages WHERE ''='",
  "1' UNION SELECT id, subject FROM users --",
  '" OR ""="',
  '{"$ne": null}',
  '{"$gt": ""}',
  '[$ne]=1',
  '../../../../etc/passwd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '....//....//etc/passwd',
  '/etc/passwd%00.json',
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '\\',
  "\\'",
  '%00',
  'a\u0000b',
  '\ud800',
  '😀'.repeat(8),
  'x'.repeat(10_000),
  '00000000-0000-0000-0000-00000000000G',
  '00000000-0000-0000-0000-000000000000',
  `${randomUUID()}' OR '1'='1`,
  `${randomUUID()}/../..`,
];

/** encodeURIComponent, except that an unpaired surrogate is sent as the invalid UTF-8 a careless client would send. */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...s].map((c) => (/[\ud800-\udfff]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('');
  }
}

let stack: Stack;
let routes: RouteEntry[];
let alice: Api;
let bob: Api;
let admin: Api;
let aliceThread: Thread;
let aliceRun: MessageAccepted;
let bobThread: Thread;
let modelId: string;
/** Alice's webhook, budget, schedule and recommendation (issue 15). */
let watched: { webhook: string; budget: string; schedule: string; recommendation: string };

async function rowCounts(): Promise<Record<string, number>> {
  const [users, threads, messages, runs, usageEvents, models, webhooks, budgets, schedules, adopted] = await Promise.all([
    stack.db.user.count(),
    stack.db.thread.count(),
    stack.db.message.count(),
    stack.db.run.count(),
    stack.db.usageEvent.count(),
    stack.db.modelCatalogEntry.count(),
    stack.db.webhook.count(),
    stack.db.budget.count(),
    stack.db.schedule.count(),
    stack.db.storedRecommendation.count({ where: { adoptedAt: { not: null } } }),
  ]);
  return { users, threads, messages, runs, usageEvents, models, webhooks, budgets, schedules, adopted };
}

function fill(route: RouteEntry, ids: Record<Resource, string>): string {
  // Admin routes: every well-formed id will do, the role is checked first.
  if (isAdmin(route)) return route.path.replace(/:[A-Za-z]+/g, randomUUID());
  const resource = resourceOf(route);
  return resource ? route.path.replace(':id', encodeURIComponent(ids[resource])) : route.path;
}

beforeAll(async () => {
  routes = gatewayRoutes();
  stack = await Stack.start('secidor', {
    // No worker: runs stay `queued`, so a cancel that got through would show.
    workers: 0,
    env: { RATE_LIMIT_IP_AUTH_FAILURES: '100000/60' },
  });
  [alice, bob, admin] = await Promise.all([stack.api('alice'), stack.api('bob'), new Api(stack.gateway.url, await tokenFor('root', { roles: ['admin'] }))]);
  aliceThread = (await alice.post<Thread>('/api/v1/threads', { title: 'alice private' })).body;
  aliceRun = (await alice.post<MessageAccepted>(`/api/v1/threads/${aliceThread.id}/messages`, { text: 'our secret spend', clientMessageId: 'a-1' })).body;
  bobThread = (await bob.post<Thread>('/api/v1/threads', { title: 'bob' })).body;
  await alice.post('/api/v1/usage-events', {
    events: [{ id: 'alice-1', timestamp: new Date().toISOString(), app: 'alice-app', model: 'gpt-4o', promptTokens: 10, completionTokens: 5, latencyMs: 100, status: 'ok' }],
  });
  modelId = (await admin.get<{ data: { id: string }[] }>('/api/v1/models')).body.data[0]!.id;
  // A public IP literal: accepted without resolving a name (no DNS here) and without WEBHOOK_ALLOW_PRIVATE.
  const webhook = (await alice.post<{ id: string }>('/api/v1/webhooks', { url: 'http://93.184.216.34/hook', events: ['run.completed'] })).body.id;
  const budget = (await alice.post<{ id: string }>('/api/v1/budgets', { name: 'alice budget', amountUsd: 10, period: 'month' })).body.id;
  const schedule = (await alice.post<{ id: string }>('/api/v1/schedules', { cron: '0 9 * * 1', question: 'alice weekly', threadId: aliceThread.id })).body.id;
  // No worker runs here, so no report: the recommendation a completed report of Alice's would have left.
  const aliceId = (await stack.db.user.findUniqueOrThrow({ where: { subject: 'alice' } })).id;
  const recommendation = (
    await stack.db.storedRecommendation.create({
      data: { id: randomUUID(), userId: aliceId, runId: aliceRun.runId, position: 0, title: 'alice advice', strategy: 'routing', estimatedMonthlySavingsUsd: 1, windowFrom: new Date(), windowTo: new Date() },
    })
  ).id;
  watched = { webhook, budget, schedule, recommendation };
});

afterAll(async () => {
  await stack?.stop();
});

describe('the route table', () => {
  it('is read from the app and every route is classified', () => {
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(routes.map(key)).toEqual(expect.arrayContaining(['GET /api/v1/threads/:id', 'POST /api/v1/runs/:id/cancel', 'POST /api/v1/ws-tickets']));
    for (const route of routes) expect(() => resourceOf(route)).not.toThrow();
  });
});

describe('authentication on every route', () => {
  it('refuses every route but health, metrics and dev login without a token', async () => {
    const ids = { thread: aliceThread.id, run: aliceRun.runId, model: modelId, ...watched };
    const refused: string[] = [];
    for (const route of routes.filter((r) => !PUBLIC.has(key(r)))) {
      const res = await new Api(stack.gateway.url).request(route.method, fill(route, ids), BODIES[key(route)] ?? (route.method === 'GET' || route.method === 'DELETE' ? undefined : {}));
      if (res.status !== 401) refused.push(`${key(route)} → ${res.status}`);
    }
    expect(refused).toEqual([]);
  });

  it('refuses admin routes to a signed-in user without the admin role', async () => {
    const ids = { thread: bobThread.id, run: aliceRun.runId, model: modelId, ...watched };
    const adminRoutes = routes.filter(isAdmin);
    expect(adminRoutes.length).toBeGreaterThanOrEqual(12);
    for (const route of adminRoutes) {
      const res = await bob.request(route.method, fill(route, ids), BODIES[key(route)] ?? (route.method === 'GET' ? undefined : {}));
      expect([key(route), res.status]).toEqual([key(route), 403]);
    }
  });
});

describe('another user’s ids (IDOR matrix)', () => {
  it('answers 404 — the same 404 as for an id that does not exist — on every route that takes an id, and changes nothing', async () => {
    const before = await rowCounts();
    const aliceIds = { thread: aliceThread.id, run: aliceRun.runId, model: modelId, ...watched };
    const unknownIds = { thread: randomUUID(), run: randomUUID(), model: randomUUID(), webhook: randomUUID(), budget: randomUUID(), schedule: randomUUID(), recommendation: randomUUID() };
    const owned = routes.filter((r) => !isAdmin(r) && resourceOf(r) !== null);
    expect(owned.length).toBeGreaterThanOrEqual(8);
    const attempts: string[] = [];
    for (const route of owned) {
      const body = BODIES[key(route)] ?? (route.method === 'GET' || route.method === 'DELETE' ? undefined : {});
      for (const accept of route.path.endsWith('/events') ? ['application/json', 'text/event-stream'] : ['application/json']) {
        const theirs = await bob.request(route.method, fill(route, aliceIds), body, { accept });
        const nobodys = await bob.request(route.method, fill(route, unknownIds), body, { accept });
        attempts.push(`${key(route)} ${accept}`);
        expect([key(route), accept, theirs.status]).toEqual([key(route), accept, 404]);
        expect(theirs.body).toEqual(nobodys.body);
      }
    }
    // Ids of one kind used as another: still just 404.
    expect((await bob.get(`/api/v1/runs/${aliceThread.id}`)).status).toBe(404);
    expect((await bob.get(`/api/v1/threads/${aliceRun.runId}`)).status).toBe(404);

    expect(await rowCounts()).toEqual(before);
    const thread = await stack.db.thread.findUniqueOrThrow({ where: { id: aliceThread.id } });
    expect(thread).toMatchObject({ title: 'alice private', archivedAt: null });
    expect((await stack.db.run.findUniqueOrThrow({ where: { id: aliceRun.runId } })).status).toBe('queued');
    expect(await stack.db.message.count({ where: { threadId: aliceThread.id } })).toBe(1);

    // Each attempt on an id that exists was audited as cross-tenant (the unknown ids were not).
    const audits = stack.gateway.process.logs.filter((l) => l.kind === 'cross_tenant');
    expect(audits.length).toBeGreaterThanOrEqual(attempts.length);
    expect(audits.every((l) => l.security === true && [aliceThread.id, aliceRun.runId, ...Object.values(watched)].includes(String(l.resourceId)))).toBe(true);
  });

  it('answers every frame that names another user’s thread or run with not_found, and writes nothing', async () => {
    const before = await rowCounts();
    const socket = await stack.ws('bob');
    const frames = [
      { type: 'user_message', threadId: aliceThread.id, text: 'hijack', clientMessageId: 'x-1' },
      { type: 'user_message', threadId: aliceThread.id, text: 'hijack', clientMessageId: 'x-2', strategy: 'interrupt' },
      { type: 'user_message', threadId: aliceThread.id, text: 'hijack', clientMessageId: 'x-3', strategy: 'reject' },
      { type: 'subscribe', threadId: aliceThread.id },
      { type: 'subscribe', threadId: aliceThread.id, after: '0000000000000000' },
      { type: 'stop_agent', runId: aliceRun.runId },
    ];
    for (const frame of frames) socket.send(frame);
    socket.send({ type: 'ping' });
    await socket.next((f) => f.type === 'pong');
    const replies = socket.frames.filter((f) => f.type === 'error');
    expect(replies.map((f) => (f.type === 'error' ? f.code : f.type))).toEqual(frames.map(() => 'not_found'));
    expect(replies.slice(0, 3).map((f) => (f.type === 'error' ? f.clientMessageId : null))).toEqual(['x-1', 'x-2', 'x-3']);
    expect(socket.frames.some((f) => f.type !== 'error' && 'threadId' in f && f.threadId === aliceThread.id)).toBe(false);

    expect(await rowCounts()).toEqual(before);
    expect((await stack.db.run.findUniqueOrThrow({ where: { id: aliceRun.runId } })).status).toBe('queued');
  });

  it('never lists, searches or summarises another user’s data', async () => {
    const search = await bob.get<ThreadPage>(`/api/v1/threads?q=${encodeURIComponent('alice private')}&archived=all&limit=100`);
    expect(search.body.data).toEqual([]);
    const all = await bob.get<ThreadPage>('/api/v1/threads?archived=all&limit=100');
    expect(all.body.data.map((t) => t.id)).toEqual([bobThread.id]);
    const summary = await bob.get<{ totals: { requests: number } }>('/api/v1/usage/summary');
    expect(summary.status).toBe(200);
    expect(summary.body.totals.requests).toBe(0);
    for (const list of ['/api/v1/webhooks', '/api/v1/budgets', '/api/v1/schedules', '/api/v1/recommendations', '/api/v1/alerts']) {
      const res = await bob.get<{ data: unknown[] }>(list);
      expect([list, res.status, res.body.data]).toEqual([list, 200, []]);
    }
  });
});

describe('injection strings', () => {
  it('in every path id (and as ids of frames): 400 or 404, never a 5xx, nothing written', async () => {
    const before = await rowCounts();
    const failures: string[] = [];
    for (const route of routes.filter((r) => /:[A-Za-z]+/.test(r.path))) {
      const caller = isAdmin(route) ? admin : bob;
      const body = BODIES[key(route)] ?? (route.method === 'GET' || route.method === 'DELETE' ? undefined : {});
      for (const payload of INJECTIONS) {
        const path = route.path.replace(/:[A-Za-z]+/g, enc(payload));
        const res = await caller.request(route.method, path, body);
        if (![400, 404].includes(res.status)) failures.push(`${route.method} ${path.slice(0, 80)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);

    const socket = await stack.ws('bob');
    for (const payload of INJECTIONS) {
      socket.send({ type: 'user_message', threadId: payload, text: 'x', clientMessageId: 'inj' });
      socket.send({ type: 'subscribe', threadId: payload });
      socket.send({ type: 'subscribe', threadId: bobThread.id, after: payload });
      socket.send({ type: 'stop_agent', runId: payload });
    }
    socket.send({ type: 'ping' });
    await socket.next((f) => f.type === 'pong');
    const errors = socket.frames.filter((f) => f.type === 'error');
    expect(errors).toHaveLength(INJECTIONS.length * 4);
    // Refused as malformed, or (the nil UUID is a well-formed id) not found; never anything else.
    expect(new Set(errors.map((f) => (f.type === 'error' ? f.code : '')))).toEqual(new Set(['invalid_message', 'not_found']));
    expect(await rowCounts()).toEqual(before);
  });

  it('in every query parameter and header: 400 or a normal answer, never a 5xx, nothing written', async () => {
    const before = await rowCounts();
    const failures: string[] = [];
    const probe = async (path: string, headers: Record<string, string> = {}) => {
      const res = await bob.request('GET', path, undefined, headers);
      // 414/431: node's own refusal of a URL or headers over 16 KB.
      if (![200, 400, 414, 431].includes(res.status)) failures.push(`GET ${path.slice(0, 80)} ${JSON.stringify(headers).slice(0, 80)} → ${res.status}`);
      return res;
    };
    for (const payload of INJECTIONS) {
      const p = enc(payload);
      await probe(`/api/v1/threads?cursor=${p}`);
      await probe(`/api/v1/threads?limit=${p}`);
      await probe(`/api/v1/threads?archived=${p}`);
      const search = await probe(`/api/v1/threads?q=${p}&archived=all`);
      if (search.status === 200) expect((search.body as ThreadPage).data.every((t) => t.id === bobThread.id)).toBe(true);
      await probe(`/api/v1/threads/${bobThread.id}/messages?cursor=${p}`);
      await probe(`/api/v1/threads/${bobThread.id}/messages?order=${p}&limit=${p}`);
      await probe(`/api/v1/usage/summary?from=${p}&to=${p}`);
      // Repeated and bracketed parameters (the `qs` style `?q[$ne]=`) are plain strings here, never objects.
      await probe(`/api/v1/threads?q[$ne]=${p}&limit=1&limit=2`);
      if (!/[\u0000-\u001f\u007f-\uffff]/.test(payload)) {
        await probe(`/api/v1/threads`, { 'x-request-id': payload });
        const events = await bob.request('GET', `/api/v1/runs/${randomUUID()}/events`, undefined, { 'last-event-id': payload });
        expect([400, 404]).toContain(events.status);
        const idem = await bob.request('POST', `/api/v1/threads/${randomUUID()}/messages`, { text: 'x' }, { 'idempotency-key': payload });
        expect([400, 404]).toContain(idem.status);
      }
    }
    expect(failures).toEqual([]);
    expect(await rowCounts()).toEqual(before);
  });

  it('in every text field: stored and returned exactly as sent (never interpreted), or refused with 400', async () => {
    const socket = await stack.ws('bob');
    const results: string[] = [];
    for (const [i, payload] of INJECTIONS.entries()) {
      // Thread titles (create and rename).
      const created = await bob.post<Thread>('/api/v1/threads', { title: payload.slice(0, 200) });
      if (created.status === 201) {
        expect(created.body.title).toBe(payload.slice(0, 200).trim());
        const renamed = await bob.patch<Thread>(`/api/v1/threads/${created.body.id}`, { title: `${payload.slice(0, 190)}!` });
        expect(renamed.status).toBe(200);
        expect((await bob.get<Thread>(`/api/v1/threads/${created.body.id}`)).body.title).toBe(`${payload.slice(0, 190)}!`.trim());
      } else {
        results.push(`title ${JSON.stringify(payload.slice(0, 20))} → ${created.status}`);
        expect(created.status).toBe(400);
      }

      // Message text, over HTTP and WebSocket, with the payload as clientMessageId too.
      const http = await bob.post<MessageAccepted>(`/api/v1/threads/${bobThread.id}/messages`, { text: payload, clientMessageId: `h${i}-${payload.slice(0, 40)}` });
      if (http.status === 202) {
        const stored = await stack.db.message.findUniqueOrThrow({ where: { id: http.body.messageId } });
        expect(stored.content).toBe(payload);
        expect(stored.clientMessageId).toBe(`h${i}-${payload.slice(0, 40)}`);
      } else {
        results.push(`http text ${JSON.stringify(payload.slice(0, 20))} → ${http.status}`);
        expect(http.status).toBe(400);
      }
      socket.send({ type: 'user_message', threadId: bobThread.id, text: payload, clientMessageId: `w${i}` });
      const reply = await socket.next((f) => (f.type === 'message_accepted' || f.type === 'error') && f.clientMessageId === `w${i}`);
      if (reply.type === 'message_accepted') {
        expect((await stack.db.message.findUniqueOrThrow({ where: { id: reply.messageId } })).content).toBe(payload);
      } else {
        expect(reply).toMatchObject({ type: 'error', code: 'invalid_message' });
      }

      // Usage events: every string field and the metadata.
      const event = {
        id: `inj-${i}-${payload.slice(0, 100)}`,
        timestamp: new Date().toISOString(),
        app: payload.slice(0, 128),
        model: payload.slice(0, 128),
        provider: payload.slice(0, 64),
        promptTokens: 1,
        completionTokens: 1,
        latencyMs: 1,
        status: 'ok',
        metadata: { [payload.slice(0, 50)]: payload.slice(0, 1_000), nested: { value: payload.slice(0, 1_000) } },
      };
      const ingest = await bob.post<{ accepted: number; rejected: number }>('/api/v1/usage-events', { events: [event] });
      expect(ingest.status).toBe(200);
      if (ingest.body.accepted === 1) {
        const row = await stack.db.usageEvent.findFirstOrThrow({ where: { eventId: event.id } });
        expect([row.app, row.model]).toEqual([event.app, event.model]);
        expect(row.metadata).toEqual(event.metadata);
      } else {
        results.push(`usage ${JSON.stringify(payload.slice(0, 20))} → rejected`);
        expect(ingest.body.rejected).toBe(1);
      }
    }
    // What was refused, for the reader of a failure; NUL and lone surrogates are not text Postgres can store.
    expect(results.filter((r) => !/\\u0000|\\ud800/.test(r))).toEqual([]);

    // The schema survived all of it.
    expect(await stack.db.thread.count()).toBeGreaterThanOrEqual(INJECTIONS.length);
    expect((await stack.db.thread.findUniqueOrThrow({ where: { id: aliceThread.id } })).title).toBe('alice private');
  });

  it('in paths to the web client: never serves a file outside it', async () => {
    for (const path of [
      '/assets/..%2f..%2f..%2f..%2fpackage.json',
      '/..%2f..%2f..%2fpackage.json',
      '/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fgateway%2fpackage.json',
      '/index.html%00.js',
      '/.env',
      '/.git/config',
      '/assets/..\\..\\..\\package.json',
    ]) {
      const res = await fetch(`${stack.gateway.url}${path}`);
      const text = await res.text();
      expect([path, res.status < 500]).toEqual([path, true]);
      expect(text).not.toMatch(/"workspaces"|"@netra\/|\[core\]|DATABASE_URL/);
    }
  });
});

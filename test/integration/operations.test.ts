import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { validate } from '@readme/openapi-parser';
import type { AdminJobList, BreakerReport, LlmCacheStats, QueueOverview, Thread } from '@netra/contracts';
import { Api, tokenFor, type WsClient } from '../support/clients.js';
import { FakeLlmServer } from '../support/fake-llm.js';
import { OtlpReceiver, sample, type ReceivedSpan } from '../support/otlp.js';
import { freePort, TestRedis } from '../support/redis-server.js';
import { REDIS_URL } from '../support/services.js';
import { Stack } from '../support/stack.js';

const METRICS_TOKEN = 'metrics-token-0123456789';
const MODEL = 'gpt-4o-mini';
const TRIAGE_JSON = '{"intent": "cost_optimization", "days": 30, "models": [], "metrics": ["cost"], "constraints": {}, "growthPct": null}';

let stack: Stack;
let llm: FakeLlmServer;
let otlp: OtlpReceiver;
let failing = false;

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function scrape(url: string, token: string | null = METRICS_TOKEN): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, text: await res.text() };
}
const gatewayMetrics = async () => (await scrape(stack.gateway.url)).text;
const workerMetrics = async () => (await scrape(`http://127.0.0.1:${stack.workers[0]!.httpPort}`)).text;

async function newThread(subject: string): Promise<Thread> {
  return (await (await stack.api(subject)).post<Thread>('/api/v1/threads', { title: 'ops' })).body;
}

/** Sends a message on the socket and waits for its run's terminal event; returns the run id. */
async function run(client: WsClient, threadId: string, text: string, clientMessageId: string): Promise<string> {
  client.send({ type: 'user_message', threadId, text, clientMessageId });
  const accepted = await client.next((f) => f.type === 'message_accepted' && f.clientMessageId === clientMessageId);
  if (accepted.type !== 'message_accepted') throw new Error('unreachable');
  await client.next((f) => f.type === 'agent_completed' && f.runId === accepted.runId, 30_000);
  return accepted.runId;
}

beforeAll(async () => {
  otlp = new OtlpReceiver();
  const otlpUrl = await otlp.start();
  llm = new FakeLlmServer();
  const baseURL = await llm.start();
  llm.script = (_model, _n, request) => {
    if (failing) return { kind: 'status', status: 500 };
    const system = request.messages[0]?.content ?? '';
    if (system.includes('You classify requests')) return { kind: 'ok', content: TRIAGE_JSON, usage: { prompt: 120, completion: 30 } };
    // The data agent's plan, by function calling (the fake reports 300 prompt tokens for it).
    if (request.tools.length > 0) return { kind: 'tools', calls: [{ name: 'usage_metrics', arguments: '{}' }, { name: 'cache_opportunity', arguments: '{}' }] };
    return { kind: 'ok', content: 'Your spend is concentrated on one model.', usage: { prompt: 900, completion: 40 } };
  };
  stack = await Stack.start('operations', {
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      METRICS_TOKEN,
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: baseURL,
      LLM_API_KEY: 'test-key',
      LLM_MODELS: MODEL,
      LLM_MAX_RETRIES: '0',
      LLM_TIMEOUT_MS: '3000',
      LLM_BREAKER_RESET_MS: '600000',
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await llm?.stop();
  await otlp?.stop();
});

describe('metrics', () => {
  it('the gateway runs with the young generation GATEWAY_SEMI_SPACE_MB sets, and warns when node was started without its flags', async () => {
    const warning = 'GATEWAY_SEMI_SPACE_MB is not in effect: start node with its flags (npm start, npm run gateway and the Docker image do)';
    // Started as `npm run gateway` starts it: semi-spaces of 8 MB, never shrunk below that.
    expect(sample(await gatewayMetrics(), 'netra_nodejs_heap_space_size_total_bytes', { space: 'new' })).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect(stack.gateway.process.logs.map((l) => l.message)).not.toContain(warning);
    const plain = await stack.addGateway({}, []);
    const line = await plain.process.waitForLog((l) => l.message === warning);
    expect(line).toMatchObject({ GATEWAY_SEMI_SPACE_MB: 8, missing: ['--min-semi-space-size=8', '--max-semi-space-size=8'] });
    await plain.process.stop();
  });

  it('both apps expose the named series behind METRICS_TOKEN, and the values move when runs happen', async () => {
    expect((await scrape(stack.gateway.url, null)).status).toBe(401);
    expect((await scrape(stack.gateway.url, 'wrong-token-0123456789')).status).toBe(401);
    expect((await scrape(`http://127.0.0.1:${stack.workers[0]!.httpPort}`, null)).status).toBe(401);

    const g0 = await gatewayMetrics();
    const w0 = await workerMetrics();
    for (const name of ['netra_process_cpu_seconds_total', 'netra_nodejs_eventloop_lag_p99_seconds']) {
      expect(sample(g0, name)).toBeDefined();
      expect(sample(w0, name)).toBeDefined();
    }

    const thread = await newThread('metrics-user');
    const client = await stack.ws('metrics-user');
    await run(client, thread.id, 'How do I cut my LLM cost?', 'm1');
    // The same question in a new thread: the prompts are identical, so the answers come from the cache.
    const second = await newThread('metrics-user');
    await run(client, second.id, 'How do I cut my LLM cost?', 'm2');

    // Gateway: sockets, frames by type, messages by transport, HTTP duration by route template and status,
    // queue depth by state and the worker count (sampled).
    const g1 = await until(async () => {
      const text = await gatewayMetrics();
      return (sample(text, 'netra_queue_workers') ?? 0) >= 1 ? text : undefined;
    }, 'the sampled worker count');
    expect(sample(g1, 'netra_ws_connections')).toBeGreaterThanOrEqual(1);
    expect((sample(g1, 'netra_ws_frames_total', { direction: 'in', type: 'user_message' }) ?? 0) - (sample(g0, 'netra_ws_frames_total', { direction: 'in', type: 'user_message' }) ?? 0)).toBe(2);
    expect((sample(g1, 'netra_ws_frames_total', { direction: 'out', type: 'agent_completed' }) ?? 0)).toBeGreaterThanOrEqual(2);
    expect((sample(g1, 'netra_messages_accepted_total', { transport: 'ws' }) ?? 0) - (sample(g0, 'netra_messages_accepted_total', { transport: 'ws' }) ?? 0)).toBe(2);
    expect(sample(g1, 'netra_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/threads', status: '201' })).toBeGreaterThanOrEqual(2);
    expect(g1).not.toMatch(/route="\/api\/v1\/threads\/[0-9a-f]{8}-/); // templates, never raw ids
    expect(sample(g1, 'netra_queue_jobs', { state: 'waiting' })).toBeDefined();
    expect(sample(g1, 'netra_queue_jobs', { state: 'active' })).toBeDefined();

    // Worker: queue wait, job and sub-agent durations, LLM calls/latency/tokens/cost by provider+model and
    // outcome, cache hits and misses, breaker state.
    const w1 = await until(async () => {
      const text = await workerMetrics();
      return (sample(text, 'netra_llm_cost_usd_total', { provider: 'openai', model: MODEL }) ?? 0) > 0 ? text : undefined;
    }, 'the recorded LLM cost');
    const delta = (name: string, labels: Record<string, string> = {}) => (sample(w1, name, labels) ?? 0) - (sample(w0, name, labels) ?? 0);
    expect(delta('netra_queue_wait_seconds_count')).toBe(2);
    expect(delta('netra_job_duration_seconds_count', { outcome: 'completed' })).toBe(2);
    expect(delta('netra_runs_finished_total', { status: 'completed' })).toBe(2);
    for (const agent of ['triage', 'data', 'optimization', 'actions', 'reporting']) {
      expect(delta('netra_agent_duration_seconds_count', { agent, outcome: 'completed' })).toBe(2);
    }
    // Run 1: triage, the data plan and reporting from the model. Run 2 asks the same over the same whole days of the
    // same data, so all three prompts are identical and their answers come from the cache.
    expect(delta('netra_llm_calls_total', { provider: 'openai', model: MODEL, outcome: 'ok' })).toBe(3);
    expect(delta('netra_llm_calls_total', { provider: 'openai', model: MODEL, outcome: 'cached' })).toBe(3);
    expect(delta('netra_llm_call_duration_seconds_count', { provider: 'openai', model: MODEL, outcome: 'ok' })).toBe(3);
    expect(delta('netra_llm_tokens_total', { provider: 'openai', model: MODEL, kind: 'prompt' })).toBe(120 + 300 + 900);
    expect(delta('netra_llm_cache_total', { result: 'hit' })).toBe(3);
    expect(delta('netra_llm_cache_total', { result: 'miss' })).toBe(3);
    expect(sample(w1, 'netra_llm_breaker_state', { provider: 'openai', model: MODEL })).toBe(0);
  });
});

describe('tracing and log correlation', () => {
  it("one message is one trace across the queue: WS frame → gateway → job → run → agents → LLM, Prisma and Redis calls; every log line of the run carries its traceId", async () => {
    const thread = await newThread('trace-user');
    const client = await stack.ws('trace-user');
    const runId = await run(client, thread.id, 'Which model should we route to?', 't1');

    const gatewayLine = await stack.gateway.process.waitForLog((l) => l.message === 'message accepted' && l.runId === runId);
    const traceId = String(gatewayLine.traceId);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    // The worker logs its last line just after publishing the terminal event.
    await stack.workers[0]!.process.waitForLog((l) => l.message === 'run completed' && l.runId === runId);
    const workerLines = stack.workers[0]!.process.logs.filter((l) => l.runId === runId);
    expect(workerLines.map((l) => l.message)).toEqual(expect.arrayContaining(['run started', 'run completed']));
    for (const line of [gatewayLine, ...workerLines]) expect(line.traceId).toBe(traceId);

    const spans = await until(async () => {
      const found = otlp.trace(traceId);
      const names = new Set(found.map((s) => s.name));
      return names.has('run') && names.has('agent reporting') && found.some((s) => s.name === 'llm reporting') ? found : undefined;
    }, 'the exported spans of the run');
    // Give the last batches (Prisma/Redis spans ending around the run's end) a moment.
    await new Promise((r) => setTimeout(r, 500));
    const all = otlp.trace(traceId);
    const byId = new Map(all.map((s) => [s.spanId, s]));
    const roots = all.filter((s) => !s.parentSpanId);
    expect(roots.map((s) => s.name)).toEqual(['ws user_message']);
    // One tree: every parent is in the trace.
    expect(all.filter((s) => s.parentSpanId && !byId.has(s.parentSpanId)).map((s) => s.name)).toEqual([]);
    const one = (name: string): ReceivedSpan => {
      const span = spans.find((s) => s.name === name);
      if (!span) throw new Error(`no span ${name}`);
      return span;
    };
    const parentOf = (span: ReceivedSpan) => byId.get(span.parentSpanId);
    const runSpan = one('run');
    expect(runSpan.service).toBe('netra-worker');
    expect(roots[0]?.service).toBe('netra-gateway');
    expect(parentOf(runSpan)?.service).toBe('netra-gateway'); // crossed the queue in the job's traceparent
    for (const agent of ['triage', 'data', 'optimization', 'actions', 'reporting']) expect(parentOf(one(`agent ${agent}`))?.name).toBe('run');
    expect(parentOf(one('llm reporting'))?.name).toBe('agent reporting');
    expect(all.some((s) => s.name === 'llm.attempt' && parentOf(s)?.name === 'llm reporting')).toBe(true);
    // Library spans inside the trace, on both sides: Prisma/pg and Redis (ioredis), and the provider's HTTP call.
    const services = (predicate: (s: ReceivedSpan) => boolean) => new Set(all.filter(predicate).map((s) => s.service));
    expect(services((s) => s.name.startsWith('prisma:') || s.name.startsWith('pg.'))).toEqual(new Set(['netra-gateway', 'netra-worker']));
    expect(services((s) => s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis')).toEqual(new Set(['netra-gateway', 'netra-worker']));
  });

  it('an HTTP request is the root of its trace, and its traceId is on the response path logs', async () => {
    const api = await stack.api('trace-http');
    const thread = (await api.post<Thread>('/api/v1/threads', {})).body;
    const res = await api.post<{ runId: string }>(`/api/v1/threads/${thread.id}/messages`, { text: 'cut cost', clientMessageId: 'h1' });
    expect(res.status).toBe(202);
    const line = await stack.gateway.process.waitForLog((l) => l.message === 'message accepted' && l.runId === res.body.runId);
    const spans = await until(async () => {
      const found = otlp.trace(String(line.traceId));
      return found.some((s) => s.name === 'run') ? found : undefined;
    }, 'the HTTP-started trace');
    const root = spans.find((s) => !s.parentSpanId);
    expect(root?.service).toBe('netra-gateway');
    expect(root?.name).toMatch(/^POST/);
  });
});

describe('admin', () => {
  it('/admin/queues (Bull Board) is 401 without credentials, 403 for a plain user, 200 for an admin by bearer or by the admin cookie', async () => {
    const url = `${stack.gateway.url}/admin/queues`;
    expect((await fetch(url)).status).toBe(401);
    const browser = await fetch(url, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(browser.status).toBe(302);
    expect(browser.headers.get('location')).toBe('/admin/login');
    expect((await fetch(url, { headers: { authorization: `Bearer ${await tokenFor('plain-user')}` } })).status).toBe(403);
    const byBearer = await fetch(url, { headers: { authorization: `Bearer ${await tokenFor('ops-admin', { roles: ['admin'] })}` } });
    expect(byBearer.status).toBe(200);
    expect(await byBearer.text()).toContain('__UI_CONFIG__');

    // The browser flow: bearer → short-lived HttpOnly cookie scoped to /admin → Bull Board.
    const plain = new Api(stack.gateway.url, await tokenFor('plain-user'));
    expect((await plain.post('/api/v1/admin/session')).status).toBe(403);
    const admin = new Api(stack.gateway.url, await tokenFor('ops-admin', { roles: ['admin'] }));
    const session = await admin.post<{ url: string; expiresAt: string }>('/api/v1/admin/session');
    expect(session.status).toBe(201);
    expect(session.body.url).toBe('/admin/queues/');
    const setCookie = session.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^netra_admin=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/Path=\/admin/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0] ?? '';
    const page = await fetch(`${url}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    // Bull Board's own API with the cookie: the queue, its jobs' data reduced to ids.
    const queues = (await (await fetch(`${url}/api/queues?activeQueue=agent-runs&status=completed`, { headers: { cookie } })).json()) as {
      queues: { name: string; jobs: { data: Record<string, unknown> }[] }[];
    };
    const runsQueue = queues.queues.find((q) => q.name === 'agent-runs');
    expect(runsQueue).toBeDefined();
    for (const job of runsQueue?.jobs ?? []) expect(Object.keys(job.data).sort()).toEqual(expect.arrayContaining(['acceptedAt', 'runId', 'threadId', 'userId']));
    // Logout revokes the session.
    expect((await fetch(`${stack.gateway.url}/admin/logout`, { method: 'POST', headers: { cookie } })).status).toBe(204);
    expect((await fetch(`${url}/`, { headers: { cookie } })).status).toBe(401);
    expect(stack.gateway.process.logs.some((l) => l.message === 'admin action' && l.tag === 'security' && l.action === 'admin_session' && l.actor === 'ops-admin')).toBe(true);
  });

  it('the admin API reports the queue and its workers, active runs and the LLM cache, retries and removes failed jobs, clears the cache; every change is audited', async () => {
    const plain = new Api(stack.gateway.url, await tokenFor('plain-user'));
    expect((await plain.get('/api/v1/admin/queue')).status).toBe(403);
    const admin = new Api(stack.gateway.url, await tokenFor('ops-admin', { roles: ['admin'] }));

    const overview = await admin.get<QueueOverview>('/api/v1/admin/queue');
    expect(overview.status).toBe(200);
    expect(overview.body.name).toBe('agent-runs');
    expect(overview.body.workers).toHaveLength(1);
    expect(overview.body.workers[0]?.name).toMatch(new RegExp(`-${stack.workers[0]!.process.pid}$`));
    expect((await admin.get<{ data: unknown[] }>('/api/v1/admin/runs/active')).status).toBe(200);

    // A job whose payload is not a run job fails at once; it is listed (ids null), retried, then removed.
    const queue = new Queue('agent-runs', { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix: `${stack.testEnv.prefix}:bull` });
    try {
      await queue.add('run', { bogus: true } as never, { jobId: 'bogus-job', attempts: 1 });
      const failed = await until(async () => {
        const list = await admin.get<AdminJobList>('/api/v1/admin/queue/failed');
        return list.body.data.find((j) => j.id === 'bogus-job');
      }, 'the failed job');
      expect(failed).toMatchObject({ runId: null, attemptsMade: 1 });
      const before = (await queue.getJob('bogus-job'))?.finishedOn ?? 0;
      expect((await admin.post('/api/v1/admin/queue/jobs/bogus-job/retry')).status).toBe(200);
      // Retried: the worker takes it again (and, its payload being what it is, fails it again).
      await until(async () => {
        const job = await queue.getJob('bogus-job');
        return (job?.finishedOn ?? 0) > before && (await job?.isFailed()) ? true : undefined;
      }, 'the retried job to run again');
      expect((await admin.post('/api/v1/admin/queue/jobs/no-such-job/retry')).status).toBe(404);
      expect((await admin.delete('/api/v1/admin/queue/jobs/bogus-job')).status).toBe(200);
      expect(await queue.getJob('bogus-job')).toBeUndefined();
      expect((await admin.delete('/api/v1/admin/queue/jobs/bogus-job')).status).toBe(404);
    } finally {
      await queue.close();
      await (await queue.client).quit();
    }

    const cache = await admin.get<LlmCacheStats>('/api/v1/admin/llm/cache');
    expect(cache.body.entries).toBeGreaterThanOrEqual(1);
    expect(cache.body.hits).toBeGreaterThanOrEqual(1);
    expect(cache.body.misses).toBeGreaterThanOrEqual(1);
    const cleared = await admin.delete<{ deleted: number }>('/api/v1/admin/llm/cache');
    expect(cleared.body.deleted).toBe(cache.body.entries);
    expect((await admin.get<LlmCacheStats>('/api/v1/admin/llm/cache')).body).toMatchObject({ entries: 0, hits: 0, misses: 0 });

    const actions = stack.gateway.process.logs.filter((l) => l.message === 'admin action' && l.tag === 'security').map((l) => l.action);
    expect(actions).toEqual(expect.arrayContaining(['job_retry', 'job_remove', 'llm_cache_clear']));
  });

  it('a breaker opened by failures shows in the admin API and the metrics, and is force-closed from the gateway', async () => {
    const admin = new Api(stack.gateway.url, await tokenFor('ops-admin', { roles: ['admin'] }));
    const thread = await newThread('breaker-user');
    const client = await stack.ws('breaker-user');
    failing = true;
    try {
      // Each run makes two failing calls (falling back to `local`); the breaker opens past 50% of ≥ 5 calls.
      for (let i = 0; i < 6; i += 1) {
        await run(client, thread.id, `breaker question ${i}`, `b${i}`);
        if (sample(await workerMetrics(), 'netra_llm_breaker_state', { provider: 'openai', model: MODEL }) === 2) break;
      }
    } finally {
      failing = false;
    }
    const opened = await until(async () => {
      const report = await admin.get<BreakerReport>('/api/v1/admin/llm/breakers');
      return report.body.data[0]?.breakers.find((b) => b.model === MODEL && b.state === 'open') ? report.body : undefined;
    }, 'the open breaker in the admin API');
    expect(opened.data).toHaveLength(1);
    const w = await workerMetrics();
    expect(sample(w, 'netra_llm_breaker_transitions_total', { provider: 'openai', model: MODEL, to: 'open' })).toBe(1);
    expect(sample(w, 'netra_llm_fallbacks_total', { provider: 'openai', model: MODEL })).toBeGreaterThanOrEqual(2);

    const closed = await admin.post<{ delivered: number }>('/api/v1/admin/llm/breakers/close', { provider: 'openai', model: MODEL });
    expect(closed.status).toBe(200);
    expect(closed.body.delivered).toBe(1);
    await until(async () => {
      const report = await admin.get<BreakerReport>('/api/v1/admin/llm/breakers');
      return report.body.data[0]?.breakers.find((b) => b.model === MODEL && b.state === 'closed');
    }, 'the closed breaker');
    const after = await workerMetrics();
    expect(sample(after, 'netra_llm_breaker_state', { provider: 'openai', model: MODEL })).toBe(0);
    expect(sample(after, 'netra_llm_breaker_transitions_total', { provider: 'openai', model: MODEL, to: 'closed' })).toBe(1);
    expect(stack.gateway.process.logs.some((l) => l.message === 'admin action' && l.action === 'breaker_close')).toBe(true);
  });
});

describe('docs and health', () => {
  it('/api/openapi.json is valid OpenAPI 3.1 and /api/docs serves Swagger UI from our own origin', async () => {
    const doc = (await (await fetch(`${stack.gateway.url}/api/openapi.json`)).json()) as Parameters<typeof validate>[0];
    expect((await validate(doc)).valid).toBe(true);
    const redirect = await fetch(`${stack.gateway.url}/api/docs`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    const page = await fetch(`${stack.gateway.url}/api/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//); // nothing from a CDN
    expect(html).not.toMatch(/<script>(?!<)/); // no inline script
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css', 'netra-docs.js']) {
      expect((await fetch(`${stack.gateway.url}/api/docs/${asset}`)).status).toBe(200);
    }
  });

  it('/health/ready lists each dependency with its latency and the worker fleet', async () => {
    const ready = await fetch(`${stack.gateway.url}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Record<string, { status: string; latencyMs: number; details?: { count?: number } }> };
    for (const name of ['postgres', 'redis', 'queue', 'workers']) {
      expect(body.checks[name]?.status).toBe('up');
      expect(typeof body.checks[name]?.latencyMs).toBe('number');
    }
    expect(body.checks.workers?.details?.count).toBe(1);
  });
});

describe('readiness without Redis', () => {
  it('/health/ready answers 503 on both apps while Redis is down, liveness stays 200, and readiness recovers', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'netra-redis-'));
    const redis = new TestRedis(await freePort(), dir);
    let own: Stack | undefined;
    try {
      await redis.start();
      own = await Stack.start('readiness', { env: { REDIS_URL: redis.url } });
      const gateway = own.gateway.url;
      const worker = `http://127.0.0.1:${own.workers[0]!.httpPort}`;
      expect((await fetch(`${gateway}/health/ready`)).status).toBe(200);
      await redis.stop();
      const down = await fetch(`${gateway}/health/ready`);
      expect(down.status).toBe(503);
      const body = (await down.json()) as { checks: Record<string, { status: string }> };
      expect(body.checks.redis?.status).toBe('down');
      expect(body.checks.postgres?.status).toBe('up');
      expect((await fetch(`${gateway}/health/live`)).status).toBe(200);
      expect((await fetch(`${worker}/health/ready`)).status).toBe(503);
      expect((await fetch(`${worker}/health/live`)).status).toBe(200);
      await redis.start();
      await until(async () => ((await fetch(`${gateway}/health/ready`)).status === 200 ? true : undefined), 'readiness after Redis is back');
    } finally {
      await own?.stop();
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("readiness and the stack's own workers", () => {
  it('READY_MIN_WORKERS=1 (npm start): 503 while no worker of this stack beats — other stacks on the same Redis do not count — 200 once one does, 503 again soon after it dies', async () => {
    // This file's main stack (another prefix on the same Redis) has a live worker the whole time.
    const own = await Stack.start('readyworkers', { workers: 0, env: { READY_MIN_WORKERS: '1', WORKER_HEARTBEAT_TTL_MS: '1000' } });
    const ready = async () => {
      const res = await fetch(`${own.gateway.url}/health/ready`);
      return { status: res.status, body: (await res.json()) as { checks: Record<string, { status: string; details?: { count?: number } }> } };
    };
    try {
      const none = await ready();
      expect(none.status).toBe(503);
      expect(none.body.checks.workers?.status).toBe('down');
      const worker = await own.addWorker();
      const up = await until(async () => {
        const r = await ready();
        return r.status === 200 ? r : undefined;
      }, 'readiness with a worker');
      expect(up.body.checks.workers?.details?.count).toBe(1);
      worker.process.signal('SIGKILL');
      await worker.process.waitForExit();
      // Its heartbeat expires after WORKER_HEARTBEAT_TTL_MS: the crashed worker no longer counts.
      await until(async () => ((await ready()).status === 503 ? true : undefined), 'unready after the worker died');
    } finally {
      await own.stop();
    }
  });
});

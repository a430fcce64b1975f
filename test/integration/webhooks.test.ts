import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ErrorBody, Webhook, WebhookCreated, WebhookDeliveryList, WebhookList, WebhookPayload, type WebhookDelivery } from '@netra/contracts';
import { verifySignature } from '@netra/webhooks';
import type { Api } from '../support/clients.js';
import { Stack, waitForRunStatus } from '../support/stack.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

// Fast retries so the whole schedule runs in seconds: gaps of 300, 600, 1,200 ms, then dead-lettered.
const BACKOFF_MS = 300;
const MAX_ATTEMPTS = 4;

let stack: Stack;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  stack = await Stack.start('webhooks', {
    workers: 1,
    env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_MS: String(BACKOFF_MS), WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS), WEBHOOK_TIMEOUT_MS: '1000' },
  });
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

async function register(api: Api, path: string): Promise<WebhookCreated> {
  const res = await api.post('/api/v1/webhooks', { url: `${receiver.url}${path}`, events: ['budget.threshold_crossed', 'run.completed'], description: path });
  expect(res.status).toBe(201);
  return WebhookCreated.parse(res.body);
}

/** The delivery log once it holds `count` attempts (each is written right after the receiver answered). */
async function deliveries(api: Api, id: string, count: number, timeoutMs = 20_000): Promise<WebhookDelivery[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.get(`/api/v1/webhooks/${id}/deliveries`);
    expect(res.status).toBe(200);
    const { data } = WebhookDeliveryList.parse(res.body);
    if (data.length >= count) return [...data].reverse();
    if (Date.now() > deadline) throw new Error(`${data.length} of ${count} delivery attempts logged after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhooks', () => {
  it('registers a webhook, shows its secret once, and signs a ping the receiver can verify', async () => {
    const api = await stack.api('hook-owner');
    const hook = await register(api, '/ok');
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(hook).toMatchObject({ active: true, events: ['budget.threshold_crossed', 'run.completed'], description: '/ok' });

    const list = WebhookList.parse((await api.get('/api/v1/webhooks')).body);
    expect(list.data.map((w) => w.id)).toEqual([hook.id]);
    expect(JSON.stringify(list)).not.toContain(hook.secret);
    expect(JSON.stringify((await api.get(`/api/v1/webhooks/${hook.id}`)).body)).not.toContain(hook.secret);

    const ping = await api.post<{ eventId: string }>(`/api/v1/webhooks/${hook.id}/ping`);
    expect(ping.status).toBe(202);
    const [request] = await receiver.waitFor('/ok', 1);
    const signature = String(request!.headers['netra-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(hook.secret, signature, request!.body)).toBe(true);
    // Any change of the body, or another secret, fails verification.
    expect(verifySignature(hook.secret, signature, request!.body.replace('ping', 'pong'))).toBe(false);
    expect(verifySignature(`${hook.secret}x`, signature, request!.body)).toBe(false);
    const payload = WebhookPayload.parse(JSON.parse(request!.body));
    expect(payload).toMatchObject({ id: ping.body.eventId, type: 'webhook.ping', data: { webhookId: hook.id } });
    expect(request!.headers['netra-event']).toBe('webhook.ping');
    expect(request!.headers['netra-delivery']).toBe(ping.body.eventId);

    const [attempt] = await deliveries(api, hook.id, 1);
    expect(attempt).toMatchObject({ eventId: ping.body.eventId, eventType: 'webhook.ping', attempt: 1, status: 'succeeded', httpStatus: 200, error: null });

    // Another user cannot see, ping or read the log of it.
    const other = await stack.api('hook-other');
    expect((await other.get(`/api/v1/webhooks/${hook.id}`)).status).toBe(404);
    expect((await other.post(`/api/v1/webhooks/${hook.id}/ping`)).status).toBe(404);
    expect((await other.get(`/api/v1/webhooks/${hook.id}/deliveries`)).status).toBe(404);
  });

  it('retries a failing receiver with growing gaps, logs each attempt, then dead-letters the delivery', async () => {
    const api = await stack.api('hook-failing');
    receiver.script('/down', () => ({ status: 503 }));
    const hook = await register(api, '/down');
    const ping = await api.post<{ eventId: string }>(`/api/v1/webhooks/${hook.id}/ping`);
    const requests = await receiver.waitFor('/down', MAX_ATTEMPTS);
    // Every attempt carries the same event (receivers dedupe on its id), each freshly signed.
    for (const r of requests) expect(WebhookPayload.parse(JSON.parse(r.body)).id).toBe(ping.body.eventId);
    const gaps = requests.slice(1).map((r, i) => r.at - requests[i]!.at);
    // Never sooner than the backoff says; later only by scheduling jitter (on a loaded machine, a few hundred ms),
    // so the growth is checked end to end: the last gap (nominally 4× the first) is the longest.
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(BACKOFF_MS * 2 ** i - 20));
    expect(gaps[gaps.length - 1]!).toBeGreaterThan(Math.max(...gaps.slice(0, -1)));

    const log = await deliveries(api, hook.id, MAX_ATTEMPTS);
    expect(log.map((d) => [d.attempt, d.status, d.httpStatus])).toEqual([
      [1, 'failed', 503],
      [2, 'failed', 503],
      [3, 'failed', 503],
      [4, 'dead_lettered', 503],
    ]);
    expect(log[0]!.error).toContain('HTTP 503');
    // The worker counts the attempts by outcome.
    const metrics = await (await fetch(`http://127.0.0.1:${stack.workers[0]!.httpPort}/metrics`)).text();
    // Labels in any order (the registry adds `service`).
    const count = (status: string) => Number(new RegExp(`^netra_webhook_deliveries_total\\{[^}]*status="${status}"[^}]*\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    expect(count('failed')).toBeGreaterThanOrEqual(3);
    expect(count('dead_lettered')).toBeGreaterThanOrEqual(1);

    // The dead-letter queue holds the delivery for operators.
    const connection = new Redis(stack.testEnv.redisUrl, { maxRetriesPerRequest: null });
    const dead = new Queue('webhook-dead-letters', { connection, prefix: `${stack.testEnv.prefix}:bull` });
    try {
      const jobs = await dead.getJobs(['waiting', 'wait']);
      expect(jobs.map((j) => (j.data as { payload: { id: string } }).payload.id)).toContain(ping.body.eventId);
    } finally {
      await dead.close();
      connection.disconnect();
    }
  });

  it('succeeds on a later attempt, and treats redirects and timeouts as failures', async () => {
    const api = await stack.api('hook-flaky');
    // 1st: a redirect (not followed), 2nd: no answer (times out), 3rd: 204.
    receiver.script('/flaky', (n) => (n === 1 ? { status: 302, headers: { location: `${receiver.url}/ok` } } : n === 2 ? 'hang' : { status: 204 }));
    const hook = await register(api, '/flaky');
    const okBefore = receiver.on('/ok').length;
    await api.post(`/api/v1/webhooks/${hook.id}/ping`);
    const log = await deliveries(api, hook.id, 3);
    expect(log.map((d) => [d.attempt, d.status, d.httpStatus])).toEqual([
      [1, 'failed', 302],
      [2, 'failed', null],
      [3, 'succeeded', 204],
    ]);
    expect(log[0]!.error).toContain('redirect');
    expect(log[1]!.error).toContain('timed out');
    expect(log[1]!.latencyMs).toBeGreaterThanOrEqual(1000);
    expect(receiver.on('/ok').length).toBe(okBefore);
  });

  it('sends run.completed once when a run ends', async () => {
    const api = await stack.api('hook-runs');
    const res = await api.post('/api/v1/webhooks', { url: `${receiver.url}/runs`, events: ['run.completed', 'run.failed'] });
    const hook = WebhookCreated.parse(res.body);
    const thread = await api.post<{ id: string }>('/api/v1/threads', { title: 'watched' });
    const accepted = await api.post<{ runId: string }>(`/api/v1/threads/${thread.body.id}/messages`, { text: 'What did we spend last week?' });
    expect(accepted.status).toBe(202);
    expect(await waitForRunStatus(stack.db, accepted.body.runId)).toBe('completed');
    const [delivery] = await receiver.waitFor('/runs', 1);
    expect(verifySignature(hook.secret, String(delivery!.headers['netra-signature']), delivery!.body)).toBe(true);
    expect(WebhookPayload.parse(JSON.parse(delivery!.body))).toMatchObject({
      id: `run-${accepted.body.runId}`,
      type: 'run.completed',
      data: { runId: accepted.body.runId, threadId: thread.body.id, status: 'completed' },
    });
    const [attempt] = await deliveries(api, hook.id, 1);
    expect(attempt).toMatchObject({ eventType: 'run.completed', status: 'succeeded' });
  });

  it('updates, disables and deletes webhooks; bad input changes nothing', async () => {
    const api = await stack.api('hook-crud');
    const hook = await register(api, '/crud');
    const bad = await api.post('/api/v1/webhooks', { url: 'ftp://example.com/x', events: ['run.completed'] });
    expect(bad.status).toBe(400);
    expect(ErrorBody.parse(bad.body).error.code).toBe('invalid_message');
    expect((await api.post('/api/v1/webhooks', { url: `${receiver.url}/x`, events: ['no.such.event'] })).status).toBe(400);
    expect((await api.post('/api/v1/webhooks', { url: `http://user:pw@127.0.0.1:1/x`, events: ['run.completed'] })).status).toBe(400);
    expect((await api.patch(`/api/v1/webhooks/${hook.id}`, {})).status).toBe(400);

    const updated = await api.patch(`/api/v1/webhooks/${hook.id}`, { events: ['run.failed'], active: false });
    expect(Webhook.parse(updated.body)).toMatchObject({ events: ['run.failed'], active: false });
    const removed = await api.delete(`/api/v1/webhooks/${hook.id}`);
    expect(removed.status).toBe(200);
    expect((await api.get(`/api/v1/webhooks/${hook.id}`)).status).toBe(404);
    expect(WebhookList.parse((await api.get('/api/v1/webhooks')).body).data).toEqual([]);
  });

  it('refuses URLs that reach loopback, private, link-local or metadata addresses without WEBHOOK_ALLOW_PRIVATE', async () => {
    const strict = await stack.addGateway({ WEBHOOK_ALLOW_PRIVATE: 'false' });
    const api = await stack.api('hook-ssrf', strict);
    for (const url of [
      `${receiver.url}/ok`,
      'http://localhost:8080/hook',
      'http://10.1.2.3/hook',
      'http://192.168.0.10/hook',
      'http://172.20.0.1/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:8080/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://[fd00:ec2::254]/hook',
      'http://0.0.0.0/hook',
    ]) {
      const res = await api.post('/api/v1/webhooks', { url, events: ['run.completed'] });
      expect([url, res.status]).toEqual([url, 400]);
      expect(ErrorBody.parse(res.body).error.message).toMatch(/loopback, private, link-local or metadata|does not resolve/);
    }
    expect(WebhookList.parse((await api.get('/api/v1/webhooks')).body).data).toEqual([]);
  });
});

describe('webhook deliveries at connect time', () => {
  let strict: Stack | undefined;

  afterAll(async () => {
    await strict?.stop();
  });

  it('refuses to connect to inside addresses even when the URL got past the check at save time', async () => {
    // The gateway accepted the URLs (as it would a public name that later re-resolves inside: DNS rebinding); the
    // worker, without WEBHOOK_ALLOW_PRIVATE, checks the address the socket would really use and does not connect.
    strict = await Stack.start('webhookrebind', { workers: 0, env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_MS: '100', WEBHOOK_MAX_ATTEMPTS: '2' } });
    await strict.addWorker({ WEBHOOK_ALLOW_PRIVATE: 'false' });
    const api = await strict.api('rebind');
    const port = new URL(receiver.url).port;
    for (const url of [`http://localhost:${port}/rebind-name`, `http://127.0.0.1:${port}/rebind-literal`]) {
      const hook = WebhookCreated.parse((await api.post('/api/v1/webhooks', { url, events: ['run.completed'] })).body);
      await api.post(`/api/v1/webhooks/${hook.id}/ping`);
      const log = await deliveries(api, hook.id, 2);
      expect(log.map((d) => [d.attempt, d.status, d.httpStatus])).toEqual([
        [1, 'failed', null],
        [2, 'dead_lettered', null],
      ]);
      expect(log[0]!.error).toMatch(/may not reach|not allowed/);
    }
    expect(receiver.on('/rebind-name')).toHaveLength(0);
    expect(receiver.on('/rebind-literal')).toHaveLength(0);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Thread } from '@netra/contracts';
import { Api, tokenFor, WsClient } from '../support/clients.js';
import type { Gateway, LogLine } from '../support/processes.js';
import { freePort, TestRedis } from '../support/redis-server.js';
import { Stack } from '../support/stack.js';

// Floods against every rate limit of two gateway replicas sharing one Redis: each limit is hit at exactly its
// budget whichever replica the requests land on, answers 429 + Retry-After (or `rate_limited` + retryAfterMs on
// the socket), stores nothing for what it refused, is audited once per window, and lets traffic through again
// once the window has passed. Each test floods from an address of its own (X-Forwarded-For through the trusted
// loopback proxy), so the tests do not share budgets.

const WINDOW_S = 4;
let stack: Stack;
let g1: Gateway;
let g2: Gateway;
let lastOctet = 0;
const freshAddress = () => `203.0.113.${++lastOctet}`;

beforeAll(async () => {
  stack = await Stack.start('seclimits', {
    gateways: 2,
    workers: 0,
    env: {
      TRUST_PROXY: 'loopback',
      RATE_LIMIT_IP_REQUESTS: `20/${WINDOW_S}`,
      RATE_LIMIT_USER_REQUESTS: `15/${WINDOW_S}`,
      RATE_LIMIT_IP_UPGRADES: `4/${WINDOW_S}`,
      RATE_LIMIT_USER_MESSAGES: `3/${WINDOW_S}`,
      RATE_LIMIT_IP_AUTH_FAILURES: `4/${WINDOW_S}`,
      WS_MAX_SOCKETS_PER_USER: '3',
    },
  });
  [g1, g2] = stack.gateways as [Gateway, Gateway];
});

afterAll(async () => {
  await stack?.stop();
});

async function call(gateway: Gateway, address: string, token: string | undefined, method = 'GET', path = '/api/v1/threads', body?: unknown) {
  return new Api(gateway.url, token).request<{ error?: { code: string; retryAfterMs?: number } }>(method, path, body, { 'x-forwarded-for': address });
}

async function upgrade(gateway: Gateway, address: string, token: string): Promise<{ status: number; client?: WsClient; body?: string }> {
  try {
    const client = await WsClient.connect(gateway.wsUrl, { authorization: `Bearer ${token}`, 'x-forwarded-for': address });
    return { status: 101, client };
  } catch (error) {
    const e = error as { status?: number; body?: string };
    return { status: e.status ?? -1, ...(e.body === undefined ? {} : { body: e.body }) };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function auditLines(limiter: string, keyValue: string): LogLine[] {
  return stack.gateways.flatMap((g) => g.process.logs).filter((l) => l.kind === 'rate_limited' && l.limiter === limiter && l.key === keyValue);
}

async function rejections(limiter: string): Promise<number> {
  let total = 0;
  for (const g of stack.gateways) {
    const text = await (await fetch(`${g.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('netra_rate_limit_rejections_total{') && l.includes(`limiter="${limiter}"`));
    total += line ? Number(line.split(' ').pop()) : 0;
  }
  return total;
}

describe('HTTP requests per client address', () => {
  it('lets exactly the budget through across both replicas, answers 429 + Retry-After, and recovers after the window', async () => {
    const address = freshAddress();
    // Distinct users, so only the per-address budget can run out.
    const tokens = await Promise.all(Array.from({ length: 26 }, (_, i) => tokenFor(`ipflood-${i}`)));
    const results = await Promise.all(tokens.map((t, i) => call(i % 2 === 0 ? g1 : g2, address, t)));
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    expect([ok.length, limited.length]).toEqual([20, 6]);
    for (const r of limited) {
      expect(r.body.error).toMatchObject({ code: 'rate_limited' });
      const retryAfter = Number(r.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_S);
      expect(r.body.error?.retryAfterMs).toBeLessThanOrEqual(WINDOW_S * 1000);
    }
    // Another client is not affected.
    expect((await call(g1, freshAddress(), tokens[0]!)).status).toBe(200);
    // One audit line for the window, however many refusals; the counter has them all.
    expect(auditLines('ip_requests', address)).toHaveLength(1);
    expect(await rejections('ip_requests')).toBeGreaterThanOrEqual(6);

    await sleep(Math.max(...limited.map((r) => r.body.error?.retryAfterMs ?? 0)) + 200);
    expect((await call(g2, address, tokens[1]!)).status).toBe(200);
  });

  it('ignores X-Forwarded-For from a gateway that trusts no proxy: forged addresses share one budget', async () => {
    const untrusting = await stack.addGateway({ TRUST_PROXY: 'false' });
    const tokens = await Promise.all(Array.from({ length: 22 }, (_, i) => tokenFor(`forger-${i}`)));
    const results = await Promise.all(tokens.map((t) => call(untrusting, freshAddress(), t)));
    expect(results.filter((r) => r.status === 429)).toHaveLength(2);
    expect(auditLines('ip_requests', '127.0.0.1')).toHaveLength(1);
    await untrusting.process.stop('SIGTERM');
    stack.gateways.pop();
  });
});

describe('requests per user (HTTP calls and WebSocket frames share the budget)', () => {
  it('refuses the user past the budget on both transports, whatever address they come from, then recovers', async () => {
    const token = await tokenFor('chatty');
    const socket = (await upgrade(g2, freshAddress(), token)).client!;
    for (let i = 0; i < 10; i += 1) expect((await call(i % 2 ? g1 : g2, freshAddress(), token)).status).toBe(200);
    for (let i = 0; i < 5; i += 1) socket.send({ type: 'ping' });
    await socket.next((f) => f.type === 'pong' && socket.frames.filter((x) => x.type === 'pong').length === 5);

    const http = await call(g1, freshAddress(), token);
    expect(http.status).toBe(429);
    expect(http.body.error).toMatchObject({ code: 'rate_limited' });
    socket.send({ type: 'ping' });
    const refused = await socket.next((f) => f.type === 'error');
    expect(refused).toMatchObject({ code: 'rate_limited' });
    expect(refused.type === 'error' && refused.retryAfterMs).toBeGreaterThan(0);
    expect(socket.closeCode).toBeUndefined();

    await sleep((http.body.error?.retryAfterMs ?? WINDOW_S * 1000) + 200);
    expect((await call(g2, freshAddress(), token)).status).toBe(200);
    socket.send({ type: 'ping' });
    await socket.next((f) => f.type === 'pong' && socket.frames.filter((x) => x.type === 'pong').length === 6);
    await socket.close();
  });
});

describe('WebSocket upgrades per client address', () => {
  it('refuses the upgrade past the budget with 429 on every replica, then accepts again', async () => {
    const address = freshAddress();
    const token = await tokenFor('opener');
    const opened = await Promise.all([g1, g2, g1, g2].map((g) => upgrade(g, address, token)));
    expect(opened.map((o) => o.status)).toEqual([101, 101, 101, 101]);
    const refused = await upgrade(g1, address, token);
    expect(refused.status).toBe(429);
    const body = JSON.parse(refused.body ?? '{}') as { error: { code: string; retryAfterMs: number } };
    expect(body.error.code).toBe('rate_limited');
    expect((await upgrade(g2, address, token)).status).toBe(429);
    await Promise.all(opened.map((o) => o.client?.close()));

    await sleep(body.error.retryAfterMs + 200);
    const again = await upgrade(g2, address, token);
    expect(again.status).toBe(101);
    await again.client?.close();
  });
});

describe('open sockets per user', () => {
  it('closes the oldest socket with 1008 when a user opens one more than WS_MAX_SOCKETS_PER_USER', async () => {
    const token = await tokenFor('tabs');
    const sockets: WsClient[] = [];
    for (let i = 0; i < 3; i += 1) sockets.push((await upgrade(g1, freshAddress(), token)).client!);
    const newest = (await upgrade(g1, freshAddress(), token)).client!;
    await sleep(200);
    expect(sockets.map((c) => c.closeCode)).toEqual([1008, undefined, undefined]);
    // The new tab works (a user opening a tab expects it to), and so do the others.
    for (const c of [newest, sockets[1]!, sockets[2]!]) {
      c.send({ type: 'ping' });
      await c.next((f) => f.type === 'pong');
    }
    await Promise.all([newest, ...sockets].map((c) => c.close()));
  });
});

describe('messages per user', () => {
  it('refuses user_message and POST …/messages past the budget, stores nothing for them, still answers resends, then recovers', async () => {
    const token = await tokenFor('talker');
    const thread = (await call(g1, freshAddress(), token, 'POST', '/api/v1/threads', { title: 'limits' })).body as unknown as Thread;
    const socket = (await upgrade(g1, freshAddress(), token)).client!;
    for (const id of ['m1', 'm2', 'm3', 'm4']) socket.send({ type: 'user_message', threadId: thread.id, text: 'save me money', clientMessageId: id });
    for (const id of ['m1', 'm2', 'm3']) await socket.next((f) => f.type === 'message_accepted' && f.clientMessageId === id);
    const refused = await socket.next((f) => f.type === 'error' && f.clientMessageId === 'm4');
    expect(refused).toMatchObject({ code: 'rate_limited', clientMessageId: 'm4' });
    const overHttp = await call(g2, freshAddress(), token, 'POST', `/api/v1/threads/${thread.id}/messages`, { text: 'and me', clientMessageId: 'h1' });
    expect(overHttp.status).toBe(429);
    expect(overHttp.headers.get('retry-after')).not.toBeNull();
    // A resend of an accepted message is answered with its ids (a reconnecting client replays its outbox).
    socket.send({ type: 'user_message', threadId: thread.id, text: 'save me money', clientMessageId: 'm1' });
    await socket.next((f) => f.type === 'message_accepted' && f.clientMessageId === 'm1' && socket.frames.filter((x) => x.type === 'message_accepted' && x.clientMessageId === 'm1').length === 2);
    expect(await stack.db.message.count({ where: { threadId: thread.id } })).toBe(3);
    expect(await stack.db.run.count({ where: { threadId: thread.id } })).toBe(3);

    await sleep((refused.type === 'error' ? refused.retryAfterMs ?? 0 : 0) + 200);
    socket.send({ type: 'user_message', threadId: thread.id, text: 'now?', clientMessageId: 'm5' });
    await socket.next((f) => f.type === 'message_accepted' && f.clientMessageId === 'm5');
    expect(await stack.db.message.count({ where: { threadId: thread.id } })).toBe(4);
    await socket.close();
  });
});

describe('failed authentications per client address', () => {
  it('after the budget of failures refuses even good credentials from that address (HTTP and upgrade), not from others, until the window ends', async () => {
    const address = freshAddress();
    const good = await tokenFor('legit');
    const forged = await tokenFor('legit', { secret: 'guessed-secret-guessed-secret-guessed' });
    for (let i = 0; i < 4; i += 1) expect((await call(i % 2 ? g1 : g2, address, forged)).status).toBe(401);
    const blocked = await call(g1, address, good);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toMatchObject({ code: 'rate_limited' });
    expect((await upgrade(g2, address, good)).status).toBe(429);
    expect((await call(g2, freshAddress(), good)).status).toBe(200);
    const audit = stack.gateways.flatMap((g) => g.process.logs).filter((l) => l.kind === 'auth_blocked' && l.address === address);
    expect(audit).toHaveLength(1);

    await sleep((blocked.body.error?.retryAfterMs ?? WINDOW_S * 1000) + 200);
    expect((await call(g1, address, good)).status).toBe(200);
  });
});

describe('behind TLS termination', () => {
  it('sends HSTS only when a trusted proxy says the client came over HTTPS', async () => {
    const token = await tokenFor('tls');
    const viaTls = await new Api(g1.url, token).request('GET', '/api/v1/threads', undefined, { 'x-forwarded-for': freshAddress(), 'x-forwarded-proto': 'https' });
    expect(viaTls.headers.get('strict-transport-security')).toBe('max-age=15552000');
    const plain = await call(g1, freshAddress(), token);
    expect(plain.headers.get('strict-transport-security')).toBeNull();
  });
});

describe('when Redis is unreachable', () => {
  it('falls back to per-process memory limits (never to no limits) and shares them again once Redis is back', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'netra-redis-'));
    const redis = new TestRedis(await freePort(), dir);
    await redis.start();
    const own = await Stack.start('seclimitsredis', { workers: 0, env: { REDIS_URL: redis.url, RATE_LIMIT_IP_REQUESTS: '5/30' } });
    const probe = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      const api = await own.api('offline');
      expect((await api.get('/api/v1/threads')).status).toBe(200);
      await redis.stop();
      const during = [];
      for (let i = 0; i < 7; i += 1) during.push((await api.get('/api/v1/threads')).status);
      // The in-memory insurance starts a budget of its own: 5 pass, then 429 — not 500, not unlimited.
      expect(during).toEqual([200, 200, 200, 200, 200, 429, 429]);
      await own.gateway.process.waitForLog((l) => l.message === 'Redis unreachable: rate limits fall back to per-process memory');
      await redis.start();
      // Back on Redis once a request moves the shared counter again (the AOF kept it: 1 request before the outage).
      const key = `${own.testEnv.prefix}:rl:ip_requests:127.0.0.1`;
      await probe.connect();
      let shared = false;
      for (let i = 0; i < 60 && !shared; i += 1) {
        const before = Number((await probe.get(key)) ?? 0);
        await api.get('/api/v1/threads');
        shared = Number((await probe.get(key)) ?? 0) === before + 1;
        if (!shared) await sleep(250);
      }
      expect(shared).toBe(true);
      const used = Number(await probe.get(key));
      expect(used).toBeLessThan(5);
      const after = [];
      for (let i = used; i <= 5; i += 1) after.push((await api.get('/api/v1/threads')).status);
      expect(after).toEqual([...Array<number>(5 - used).fill(200), 429]);
      expect(own.gateway.process.logs.some((l) => l.message === 'Redis back: rate limits shared across gateways again')).toBe(true);
    } finally {
      probe.disconnect();
      await own.stop();
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

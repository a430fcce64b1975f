import { UnsecuredJWT } from 'jose';
import type { Thread } from '@netra/contracts';
import { Api, WsClient } from '../support/clients.js';
import { FakeIdp, mint, nowSeconds, signingKey, type Claims, type SigningKey } from '../support/idp.js';
import type { LogLine } from '../support/processes.js';
import { TEST_JWT_SECRET } from '../support/services.js';
import { Stack } from '../support/stack.js';

// An attacker with no valid credentials, or with someone else's, against the running gateway: every forged,
// stale or misplaced credential is refused over HTTP and on the WebSocket upgrade, nothing is written for it,
// each refusal is audited, and no credential ever reaches a log line.

const ISSUER = 'https://idp.netra.test/';
const AUDIENCE = 'netra-api';
const LLM_KEY = 'sk-sentinel-llm-key-4f1c2d9e8b7a';
const METRICS_TOKEN = 'metrics-sentinel-token-9d8c7b6a';

const idp = new FakeIdp();
let stack: Stack;
let k1: SigningKey;
let k2: SigningKey;
let attackerKey: SigningKey;
/** Every token and ticket this file hands to the gateway: none may ever show up in its logs. */
const credentials: string[] = [METRICS_TOKEN];

function remember(credential: string): string {
  credentials.push(credential);
  return credential;
}

/** A valid HS256 token with the configured issuer and audience. */
function hsToken(sub: string, claims: Claims = {}): Promise<string> {
  return mint({ secret: TEST_JWT_SECRET }, { sub, iss: ISSUER, aud: AUDIENCE, ...claims }).then(remember);
}

function api(token?: string): Api {
  return new Api(stack.gateway.url, token);
}

async function upgradeStatus(path: string, headers: Record<string, string> = {}): Promise<number> {
  try {
    const client = await WsClient.connect(`${stack.gateway.wsUrl.replace(/\/ws$/, '')}${path}`, headers);
    await client.close();
    return 101;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

function securityEvents(kind: string): LogLine[] {
  return stack.gateway.process.logs.filter((l) => l.security === true && l.tag === 'security' && l.kind === kind);
}

beforeAll(async () => {
  const url = await idp.start();
  [k1, k2, attackerKey] = await Promise.all([signingKey('k1', 'RS256'), signingKey('k2', 'ES256'), signingKey('k1', 'RS256')]);
  idp.keys = [k1.jwk];
  stack = await Stack.start('secauth', {
    workers: 0,
    env: {
      JWT_JWKS_URL: url,
      JWT_JWKS_COOLDOWN_MS: '300',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      WS_TICKET_TTL_MS: '1000',
      CORS_ORIGINS: 'https://app.example',
      LLM_API_KEY: LLM_KEY,
      METRICS_TOKEN,
      // This file fails authentication on purpose, many times, from one address.
      RATE_LIMIT_IP_AUTH_FAILURES: '100000/60',
      // Debug logs too: a credential must not leak at any level.
      LOG_LEVEL: 'debug',
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await idp.stop();
});

describe('forged, stale and misplaced tokens', () => {
  const cases: [string, () => Promise<string | undefined>][] = [
    ['no Authorization header', async () => undefined],
    ['a Basic header', async () => 'Basic YWxpY2U6c2VjcmV0'],
    ['an empty Bearer', async () => 'Bearer '],
    ['garbage', async () => 'Bearer a.b.c'],
    ['an 8 KB blob', async () => `Bearer ${'A'.repeat(8_000)}`],
    ['an expired token (past the 30 s skew)', async () => `Bearer ${await hsToken('eve', { exp: nowSeconds() - 60 })}`],
    ['a token not yet valid (nbf past the 30 s skew)', async () => `Bearer ${await hsToken('eve', { nbf: nowSeconds() + 120 })}`],
    ['a token without exp', async () => `Bearer ${await hsToken('eve', { exp: null })}`],
    ['a token without sub', async () => `Bearer ${await hsToken('eve', { sub: null })}`],
    ['a wrong signature', async () => `Bearer ${remember(await mint({ secret: 'x'.repeat(48) }, { sub: 'eve', iss: ISSUER, aud: AUDIENCE }))}`],
    ['alg: none', async () => `Bearer ${remember(new UnsecuredJWT({ sub: 'eve', iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 300 }).encode())}`],
    ['HS512 with the right secret (algorithm not allowed)', async () => `Bearer ${remember(await mint({ secret: TEST_JWT_SECRET, alg: 'HS512' }, { sub: 'eve', iss: ISSUER, aud: AUDIENCE }))}`],
    [
      'HS256 signed with the IdP public key (HS/RS confusion)',
      async () => `Bearer ${remember(await mint({ hmacKey: new TextEncoder().encode(k1.publicPem) }, { sub: 'eve', iss: ISSUER, aud: AUDIENCE }, { kid: 'k1' }))}`,
    ],
    ['RS256 by an attacker key claiming the IdP kid', async () => `Bearer ${remember(await mint(attackerKey, { sub: 'eve', iss: ISSUER, aud: AUDIENCE }))}`],
    [
      'RS256 carrying its own key in the header (embedded jwk)',
      async () => `Bearer ${remember(await mint(attackerKey, { sub: 'eve', iss: ISSUER, aud: AUDIENCE }, { jwk: attackerKey.jwk }))}`,
    ],
    ['a wrong issuer', async () => `Bearer ${await hsToken('eve', { iss: 'https://evil.example/' })}`],
    ['a wrong audience', async () => `Bearer ${await hsToken('eve', { aud: 'some-other-api' })}`],
    ['no issuer and audience', async () => `Bearer ${remember(await mint({ secret: TEST_JWT_SECRET }, { sub: 'eve' }))}`],
  ];

  it.each(cases)('refuses %s: 401 over HTTP and on the upgrade, and creates nothing', async (_name, make) => {
    const header = await make();
    const headers: Record<string, string> = header === undefined ? {} : { authorization: header };
    const users = await stack.db.user.count();
    const threads = await stack.db.thread.count();

    const res = await api().request('POST', '/api/v1/threads', { title: 'should not exist' }, headers);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: 'unauthorized' } });
    expect(await upgradeStatus('/ws', headers)).toBe(401);

    expect(await stack.db.user.count()).toBe(users);
    expect(await stack.db.thread.count()).toBe(threads);
  });

  it('audits every failure with the address and the reason', () => {
    const failures = securityEvents('auth_failed');
    expect(failures.length).toBeGreaterThanOrEqual(cases.length * 2);
    expect(failures.every((l) => typeof l.address === 'string' && typeof l.reason === 'string')).toBe(true);
    expect(new Set(failures.map((l) => l.transport))).toEqual(new Set(['http', 'ws']));
    expect(failures.map((l) => l.reason)).toEqual(expect.arrayContaining(['Token expired', 'Token algorithm none is not accepted', 'Token claim "iss" is not valid']));
  });
});

describe('tokens that are valid', () => {
  it('accepts HS256 from the shared secret and RS256/ES256 from the JWKS, and picks up a rotated key', async () => {
    expect((await api(await hsToken('hana')).get('/api/v1/threads')).status).toBe(200);
    const rs = remember(await mint(k1, { sub: 'idp-ron', iss: ISSUER, aud: AUDIENCE }));
    expect((await api(rs).get('/api/v1/threads')).status).toBe(200);
    expect(await upgradeStatus('/ws', { authorization: `Bearer ${rs}` })).toBe(101);

    // The IdP rotates to an ES256 key; after the cooldown the gateway fetches the new set by itself.
    idp.keys = [k2.jwk];
    const fetches = idp.fetches;
    await new Promise((r) => setTimeout(r, 400));
    const es = remember(await mint(k2, { sub: 'idp-esme', iss: ISSUER, aud: AUDIENCE }));
    expect((await api(es).get('/api/v1/threads')).status).toBe(200);
    expect(idp.fetches).toBe(fetches + 1);
    // The retired key is gone with it.
    expect((await api(remember(await mint(k1, { sub: 'idp-ron', iss: ISSUER, aud: AUDIENCE }))).get('/api/v1/threads')).status).toBe(401);
    idp.keys = [k1.jwk, k2.jwk];
  });

  it('tolerates up to 30 s of clock skew, not more', async () => {
    expect((await api(await hsToken('skew', { exp: nowSeconds() - 15 })).get('/api/v1/threads')).status).toBe(200);
    expect((await api(await hsToken('skew', { nbf: nowSeconds() + 15 })).get('/api/v1/threads')).status).toBe(200);
    expect((await api(await hsToken('skew', { exp: nowSeconds() - 45 })).get('/api/v1/threads')).status).toBe(401);
  });
});

describe('credentials in the wrong place', () => {
  it('never takes a token from the query string, over HTTP or WebSocket', async () => {
    const token = await hsToken('quentin');
    for (const param of ['token', 'access_token']) {
      expect((await api().get(`/api/v1/threads?${param}=${token}`)).status).toBe(401);
      expect(await upgradeStatus(`/ws?${param}=${token}`)).toBe(401);
    }
    // Even next to a valid header, a token in the URL of an upgrade is refused (it would end up in proxy logs).
    expect(await upgradeStatus(`/ws?token=${token}`, { authorization: `Bearer ${token}` })).toBe(401);
    expect(securityEvents('token_in_query').length).toBeGreaterThanOrEqual(3);
  });
});

describe('WebSocket tickets', () => {
  async function ticket(token: string): Promise<string> {
    const res = await api(token).post<{ ticket: string }>('/api/v1/ws-tickets');
    expect(res.status).toBe(201);
    return remember(res.body.ticket);
  }

  it('works once even when two connections race for it', async () => {
    const t = await ticket(await hsToken('tara'));
    const statuses = await Promise.all([upgradeStatus(`/ws?ticket=${t}`), upgradeStatus(`/ws?ticket=${t}`)]);
    expect(statuses.sort()).toEqual([101, 401]);
    expect(await upgradeStatus(`/ws?ticket=${t}`)).toBe(401);
  });

  it('refuses expired, forged and malformed tickets, and another user’s ticket next to one’s own token', async () => {
    const expired = await ticket(await hsToken('ursula'));
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await upgradeStatus(`/ws?ticket=${expired}`)).toBe(401);
    expect(await upgradeStatus(`/ws?ticket=${'A'.repeat(43)}`)).toBe(401);
    for (const bad of ['', 'short', `${'A'.repeat(43)}%00`, encodeURIComponent("' OR 1=1 --"), 'x'.repeat(4_000)]) {
      expect(await upgradeStatus(`/ws?ticket=${bad}`)).toBe(401);
    }
    const victims = await ticket(await hsToken('victor'));
    expect(await upgradeStatus(`/ws?ticket=${victims}`, { authorization: `Bearer ${await hsToken('mallory')}` })).toBe(401);
    // The refused attempt consumed it: the victim's ticket is gone too (a stolen ticket is worth one try).
    expect(await upgradeStatus(`/ws?ticket=${victims}`)).toBe(401);
  });

  it('refuses a valid ticket from a foreign page (cross-site WebSocket hijacking), and audits it', async () => {
    const token = await hsToken('wanda');
    for (const origin of ['https://evil.example', 'null', 'http://app.example', 'https://app.example.evil.example']) {
      expect(await upgradeStatus(`/ws?ticket=${await ticket(token)}`, { origin })).toBe(403);
    }
    expect(await upgradeStatus(`/ws?ticket=${await ticket(token)}`, { origin: 'https://app.example' })).toBe(101);
    expect(securityEvents('origin_rejected').length).toBeGreaterThanOrEqual(4);
  });
});

describe('roles', () => {
  const model = (name: string) => ({
    model: name,
    provider: 'acme',
    inputPricePerMTok: 1,
    outputPricePerMTok: 2,
    qualityScore: 70,
    contextWindow: 128_000,
  });

  it('lets only the admin role change the global catalog, and audits both the refusal and the change', async () => {
    const user = api(await hsToken('norma'));
    const refused = await user.post('/api/v1/models', model('sec-model-a'));
    expect(refused.status).toBe(403);
    expect(securityEvents('forbidden').some((l) => l.path === '/api/v1/models' && l.role === 'admin')).toBe(true);

    const admin = api(await hsToken('ada', { roles: ['admin'] }));
    const created = await admin.post<{ id: string }>('/api/v1/models', model('sec-model-a'));
    expect(created.status).toBe(201);
    // A role granted as a space-separated string by the IdP works too.
    const idpAdmin = api(remember(await mint(k1, { sub: 'idp-admin', iss: ISSUER, aud: AUDIENCE, roles: 'auditor admin' })));
    expect((await idpAdmin.patch(`/api/v1/models/${created.body.id}`, { qualityScore: 71 })).status).toBe(200);
    // A role claim of the wrong shape grants nothing.
    const sneaky = api(await hsToken('sneaky', { roles: { admin: true } }));
    expect((await sneaky.patch(`/api/v1/models/${created.body.id}`, { qualityScore: 1 })).status).toBe(403);

    const actions = securityEvents('admin_action').filter((l) => String(l.action).startsWith('model_'));
    expect(actions.map((l) => [l.action, l.actor, l.modelId])).toEqual([
      ['model_create', 'ada', created.body.id],
      ['model_update', 'idp-admin', created.body.id],
    ]);
  });

  it('guards the operator surfaces the same way: Bull Board, the admin API and a METRICS_TOKEN-protected /metrics', async () => {
    const failuresBefore = securityEvents('auth_failed').length;
    const forbiddenBefore = securityEvents('forbidden').length;
    const user = await hsToken('norma');
    const forged = remember(await mint({ secret: 'f'.repeat(48) }, { sub: 'ada', iss: ISSUER, aud: AUDIENCE, roles: ['admin'] }));
    const get = (path: string, headers: Record<string, string>) => fetch(`${stack.gateway.url}${path}`, { headers: { accept: 'application/json', ...headers } });

    expect((await get('/admin/queues', { authorization: `Bearer ${forged}` })).status).toBe(401);
    expect((await get('/admin/queues', { authorization: `Bearer ${user}` })).status).toBe(403);
    expect((await get('/admin/queues', { cookie: `netra_admin=${'A'.repeat(43)}` })).status).toBe(401);
    expect((await get('/api/v1/admin/queue', { authorization: `Bearer ${user}` })).status).toBe(403);
    expect((await get('/metrics', {})).status).toBe(401);
    expect((await get('/metrics', { authorization: 'Bearer guessed-metrics-token' })).status).toBe(401);
    expect((await get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);

    const admin = await hsToken('ada', { roles: ['admin'] });
    expect((await get('/admin/queues', { authorization: `Bearer ${admin}` })).status).toBe(200);
    expect((await get('/api/v1/admin/queue', { authorization: `Bearer ${admin}` })).status).toBe(200);

    // The forged bearer and both bad metrics attempts were failed authentications; the non-admins were refused.
    expect(securityEvents('auth_failed').length - failuresBefore).toBe(3);
    expect(securityEvents('forbidden').length - forbiddenBefore).toBe(2);
  });
});

describe('what the gateway says about itself', () => {
  it('sends security headers on the API and the web client, and CORS only to allowed origins', async () => {
    const res = await fetch(`${stack.gateway.url}/api/v1/threads`, { headers: { authorization: `Bearer ${await hsToken('hedy')}`, origin: 'https://app.example', 'x-forwarded-proto': 'https' } });
    const h = res.headers;
    expect(h.get('content-security-policy')).toContain("script-src 'self'");
    expect(h.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(h.get('x-content-type-options')).toBe('nosniff');
    expect(h.get('x-frame-options')).toBe('DENY');
    expect(h.get('referrer-policy')).toBe('no-referrer');
    expect(h.get('cache-control')).toBe('no-store');
    expect(h.get('x-powered-by')).toBeNull();
    // Plain HTTP, and X-Forwarded-Proto is not believed without TRUST_PROXY: no HSTS.
    expect(h.get('strict-transport-security')).toBeNull();
    expect(h.get('access-control-allow-origin')).toBe('https://app.example');
    expect(h.get('access-control-expose-headers')).toContain('retry-after');

    const foreign = await fetch(`${stack.gateway.url}/api/v1/threads`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${stack.gateway.url}/api/v1/threads`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();

    const page = await fetch(`${stack.gateway.url}/`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'.*script-src 'self'.*style-src 'self'/);
  });

  it('returns no configuration secret from any endpoint', async () => {
    const admin = api(await hsToken('ada', { roles: ['admin'] }));
    const thread = (await admin.post<Thread>('/api/v1/threads', { title: 'secrets?' })).body;
    const bodies: string[] = [];
    for (const path of ['/health/live', '/health/ready', '/api/v1/threads', `/api/v1/threads/${thread.id}`, `/api/v1/threads/${thread.id}/messages`, '/api/v1/models', '/api/v1/usage/summary']) {
      const res = await fetch(`${stack.gateway.url}${path}`, { headers: { authorization: `Bearer ${await hsToken('ada', { roles: ['admin'] })}` } });
      bodies.push(`${path} ${res.status} ${[...res.headers.entries()].join(';')} ${await res.text()}`);
    }
    const metricsText = await (await fetch(`${stack.gateway.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(metricsText).toContain('netra_security_events_total{kind="auth_failed"');
    bodies.push(metricsText);
    for (const path of ['/api/openapi.json', '/api/docs/', '/admin/login']) bodies.push(await (await fetch(`${stack.gateway.url}${path}`)).text());
    // Error answers too: a bad route, a bad body, a bad id.
    bodies.push(JSON.stringify((await admin.get('/api/v1/nope')).body), JSON.stringify((await admin.post('/api/v1/threads', '{"title":')).body));
    const all = bodies.join('\n');
    for (const secret of [TEST_JWT_SECRET, LLM_KEY, METRICS_TOKEN, stack.testEnv.databaseUrl, 'postgresql://']) expect(all).not.toContain(secret);
  });
});

describe('logs', () => {
  it('never contain a token or a ticket, at any level', () => {
    const logs = stack.gateway.process.logs.map((l) => JSON.stringify(l)).join('\n') + stack.gateway.process.stderr.join('\n');
    expect(credentials.length).toBeGreaterThan(30);
    // The signature part is what makes a token usable; the whole token must not appear either.
    const leaked = credentials.filter((c) => {
      const signature = c.split('.').pop() ?? '';
      return logs.includes(c) || (signature.length >= 16 && logs.includes(signature));
    });
    expect(leaked).toEqual([]);
    // …while the failures themselves were logged (so the check above looked at real traffic).
    expect(logs).toContain('"kind":"auth_failed"');
  });
});

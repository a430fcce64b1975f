import type { Thread, ThreadPage } from '@netra/contracts';
import { Stack } from '../support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start('threads');
});

afterAll(async () => {
  await stack?.stop();
});

describe('threads API', () => {
  it('creates, lists newest first with cursor pagination, renames, archives and searches', async () => {
    const api = await stack.api('paula');
    const created: Thread[] = [];
    for (let i = 0; i < 7; i += 1) {
      const res = await api.post<Thread>('/api/v1/threads', { title: `Thread ${i}` });
      expect(res.status).toBe(201);
      created.push(res.body);
    }
    const untitled = await api.post<Thread>('/api/v1/threads');
    expect(untitled.body.title).toBe('New conversation');
    created.push(untitled.body);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: ThreadPage } = await api.get<ThreadPage>(`/api/v1/threads?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.data.map((t) => t.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...created].reverse().map((t) => t.id));

    const target = created[2] as Thread;
    const renamed = await api.patch<Thread>(`/api/v1/threads/${target.id}`, { title: 'Latency deep dive' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.title).toBe('Latency deep dive');

    const search = await api.get<ThreadPage>('/api/v1/threads?q=latency');
    expect(search.body.data.map((t) => t.id)).toEqual([target.id]);

    const archived = await api.delete<Thread>(`/api/v1/threads/${target.id}`);
    expect(archived.status).toBe(200);
    expect(archived.body.archived).toBe(true);
    const active = await api.get<ThreadPage>('/api/v1/threads?limit=100');
    expect(active.body.data.map((t) => t.id)).not.toContain(target.id);
    const onlyArchived = await api.get<ThreadPage>('/api/v1/threads?archived=true');
    expect(onlyArchived.body.data.map((t) => t.id)).toEqual([target.id]);
    expect((await api.get<Thread>(`/api/v1/threads/${target.id}`)).body.archived).toBe(true);

    expect((await api.patch(`/api/v1/threads/${target.id}`, {})).status).toBe(400);
  });

  it('never lists another user’s threads', async () => {
    const quinn = await stack.api('quinn');
    await quinn.post('/api/v1/threads', { title: 'private' });
    const rick = await stack.api('rick');
    const page = await rick.get<ThreadPage>('/api/v1/threads');
    expect(page.body.data).toEqual([]);
  });

  it('reports readiness with the status and latency of Postgres, Redis and the queue', async () => {
    const api = await stack.api();
    const ready = await api.get<{ status: string; checks: Record<string, { status: string; latencyMs: number }> }>('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    for (const name of ['postgres', 'redis', 'queue']) {
      expect(ready.body.checks[name]?.status).toBe('up');
      expect(ready.body.checks[name]?.latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect((await api.get('/health/live')).status).toBe(200);
    const worker = stack.workers[0];
    const workerReady = await fetch(`http://127.0.0.1:${worker?.httpPort}/health/ready`);
    expect(workerReady.status).toBe(200);
  });

  it('issues development tokens that the API accepts', async () => {
    const api = await stack.api();
    const res = await api.post<{ token: string; tokenType: string; expiresAt: string }>('/api/v1/auth/dev-token', { userId: 'sam' });
    expect(res.status).toBe(201);
    expect(res.body.tokenType).toBe('Bearer');
    const threads = await fetch(`${stack.gateway.url}/api/v1/threads`, { headers: { authorization: `Bearer ${res.body.token}` } });
    expect(threads.status).toBe(200);
    const bad = await api.post('/api/v1/auth/dev-token', { userId: 'has spaces' });
    expect(bad.status).toBe(400);
  });
});

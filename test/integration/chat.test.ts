import { randomUUID } from 'node:crypto';
import { AGENTS, Report, type Message, type MessagePage, type Thread } from '@netra/contracts';
import { WsClient } from '../support/clients.js';
import { Stack, waitForRunStatus } from '../support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start('chat');
});

afterAll(async () => {
  await stack?.stop();
});

async function newThread(subject: string, title = 'Cost review'): Promise<Thread> {
  const api = await stack.api(subject);
  const res = await api.post<Thread>('/api/v1/threads', { title });
  expect(res.status).toBe(201);
  return res.body;
}

describe('the whole path: gateway → BullMQ → worker → Redis → client', () => {
  it('answers a message with five completed sub-agents and a persisted report', async () => {
    const thread = await newThread('alice');
    const client = await stack.ws('alice');
    client.send({ type: 'user_message', threadId: thread.id, text: 'How do I cut my LLM cost over the last 7 days?', clientMessageId: 'm-1' });

    const accepted = await client.next((f) => f.type === 'message_accepted');
    expect(accepted).toMatchObject({ clientMessageId: 'm-1', threadId: thread.id });
    if (accepted.type !== 'message_accepted') throw new Error('unreachable');
    const done = await client.next((f) => f.type === 'agent_completed' && f.runId === accepted.runId);
    if (done.type !== 'agent_completed') throw new Error('unreachable');

    // Every event of the run, in order: started, running/completed per agent in pipeline order, completed.
    const events = client.runEvents(accepted.runId);
    const ids = events.map((e) => e.eventId);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(events[0]?.type).toBe('agent_started');
    const completions = events.filter((e) => e.type === 'sub_agent_update' && e.status === 'completed');
    expect(completions.map((e) => (e.type === 'sub_agent_update' ? e.agent : null))).toEqual([...AGENTS]);
    expect(events[events.length - 1]?.type).toBe('agent_completed');

    // The report has the SPEC §4 shape and is what was stored.
    const report = Report.parse(done.report);
    expect(report.window.to > report.window.from).toBe(true);
    expect(report.dataAvailable).toBe(false);
    const run = await stack.db.run.findUniqueOrThrow({ where: { id: accepted.runId }, include: { steps: true, assistantMessage: true } });
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => s.status)).toEqual(['completed', 'completed', 'completed', 'completed', 'completed']);
    expect(run.steps.every((s) => s.output !== null && s.durationMs !== null)).toBe(true);
    expect(run.assistantMessage?.id).toBe(done.messageId);
    expect(run.report).toEqual(done.report);

    // The history holds exactly the user and the assistant message.
    const api = await stack.api('alice');
    const history = await api.get<MessagePage>(`/api/v1/threads/${thread.id}/messages?order=asc`);
    expect(history.status).toBe(200);
    expect(history.body.data.map((m: Message) => [m.role, m.runId])).toEqual([
      ['user', accepted.runId],
      ['assistant', accepted.runId],
    ]);
    expect(history.body.data[0]?.content).toBe('How do I cut my LLM cost over the last 7 days?');
    expect(history.body.data[1]?.report).toEqual(done.report);

    // GET /runs/:id shows the per-agent steps and the report.
    const runView = await api.get<{ status: string; steps: { agent: string; status: string }[]; assistantMessageId: string }>(`/api/v1/runs/${accepted.runId}`);
    expect(runView.status).toBe(200);
    expect(runView.body.status).toBe('completed');
    expect(runView.body.steps.map((s) => s.agent)).toEqual([...AGENTS]);
    expect(runView.body.assistantMessageId).toBe(done.messageId);
  });

  it('resending the same clientMessageId returns the same ids and creates nothing', async () => {
    const thread = await newThread('bob');
    const client = await stack.ws('bob');
    const frame = { type: 'user_message', threadId: thread.id, text: 'analyse my usage', clientMessageId: 'dup-1' } as const;
    client.send(frame);
    const first = await client.next((f) => f.type === 'message_accepted');
    await client.next((f) => f.type === 'agent_completed');
    client.send(frame);
    const second = await client.next((f) => f.type === 'message_accepted' && f !== first);
    expect(second).toEqual(first);

    // Over HTTP too, with the same key.
    const api = await stack.api('bob');
    const viaHttp = await api.post(`/api/v1/threads/${thread.id}/messages`, { text: 'analyse my usage', clientMessageId: 'dup-1' });
    expect(viaHttp.status).toBe(202);
    expect(viaHttp.body).toEqual({ messageId: (first as { messageId: string }).messageId, runId: (first as { runId: string }).runId, threadId: thread.id, clientMessageId: 'dup-1' });

    expect(await stack.db.message.count({ where: { threadId: thread.id } })).toBe(2);
    expect(await stack.db.run.count({ where: { threadId: thread.id } })).toBe(1);
  });

  it('accepts a message over HTTP with 202 and runs it', async () => {
    const thread = await newThread('carol');
    const client = await stack.ws('carol');
    client.send({ type: 'subscribe', threadId: thread.id });
    await client.next((f) => f.type === 'subscribed');
    const api = await stack.api('carol');
    const res = await api.post<{ runId: string; messageId: string }>(`/api/v1/threads/${thread.id}/messages`, { text: 'where does my latency come from?' });
    expect(res.status).toBe(202);
    const done = await client.next((f) => f.type === 'agent_completed' && f.runId === res.body.runId);
    expect(done.type).toBe('agent_completed');
    const run = await api.get<{ status: string }>(`/api/v1/runs/${res.body.runId}`);
    expect(run.body.status).toBe('completed');
  });

  it("another user's thread and run are 404 over HTTP and WS, and nothing is written", async () => {
    const thread = await newThread('dave');
    const daveApi = await stack.api('dave');
    const posted = await daveApi.post<{ runId: string }>(`/api/v1/threads/${thread.id}/messages`, { text: 'hello' });
    expect(posted.status).toBe(202);
    await waitForRunStatus(stack.db, posted.body.runId);

    const eve = await stack.api('eve');
    expect((await eve.get(`/api/v1/threads/${thread.id}`)).status).toBe(404);
    expect((await eve.get(`/api/v1/threads/${thread.id}/messages`)).status).toBe(404);
    expect((await eve.patch(`/api/v1/threads/${thread.id}`, { title: 'mine now' })).status).toBe(404);
    expect((await eve.delete(`/api/v1/threads/${thread.id}`)).status).toBe(404);
    expect((await eve.get(`/api/v1/runs/${posted.body.runId}`)).status).toBe(404);
    expect((await eve.post(`/api/v1/threads/${thread.id}/messages`, { text: 'inject' })).status).toBe(404);

    const before = await stack.db.message.count();
    const eveWs = await stack.ws('eve');
    eveWs.send({ type: 'user_message', threadId: thread.id, text: 'inject', clientMessageId: 'x' });
    const error = await eveWs.next((f) => f.type === 'error');
    expect(error).toMatchObject({ type: 'error', code: 'not_found', clientMessageId: 'x' });
    eveWs.send({ type: 'subscribe', threadId: thread.id });
    await eveWs.next((f) => f.type === 'error' && f !== error);
    expect(await stack.db.message.count()).toBe(before);
    expect((await daveApi.get<Thread>(`/api/v1/threads/${thread.id}`)).body.title).toBe('Cost review');
  });

  it('refuses an upgrade without a valid token with 401, before the socket opens', async () => {
    await expect(WsClient.connect(stack.gateway.wsUrl)).rejects.toMatchObject({ status: 401 });
    await expect(WsClient.connect(stack.gateway.wsUrl, { authorization: 'Bearer not-a-jwt' })).rejects.toMatchObject({ status: 401 });
    const { tokenFor } = await import('../support/clients.js');
    const forged = await tokenFor('mallory', { secret: 'another-secret-that-is-long-enough-to-sign' });
    await expect(WsClient.connect(stack.gateway.wsUrl, { authorization: `Bearer ${forged}` })).rejects.toMatchObject({ status: 401 });
    const valid = await tokenFor('mallory');
    await expect(WsClient.connect(`${stack.gateway.wsUrl}?token=${valid}`)).rejects.toMatchObject({ status: 401 });
    const expired = await tokenFor('mallory', { ttlSeconds: -120 });
    await expect(WsClient.connect(stack.gateway.wsUrl, { authorization: `Bearer ${expired}` })).rejects.toMatchObject({ status: 401 });
  });

  it('answers garbage frames with invalid_message and keeps the socket working', async () => {
    const thread = await newThread('frank');
    const client = await stack.ws('frank');
    const garbage: (string | Record<string, unknown>)[] = [
      'not json',
      '[]',
      { type: 'nope' },
      { type: 'user_message', threadId: 'not-a-uuid', text: 'x', clientMessageId: 'g1' },
      { type: 'user_message', threadId: thread.id, text: '', clientMessageId: 'g2' },
      { type: 'user_message', threadId: thread.id, text: 'x'.repeat(32_001), clientMessageId: 'g3' },
      { type: 'subscribe', threadId: thread.id, after: 'yesterday' },
    ];
    for (const g of garbage) client.sendRaw(typeof g === 'string' ? g : JSON.stringify(g));
    client.send({ type: 'ping' });
    await client.next((f) => f.type === 'pong');
    const errors = client.frames.filter((f) => f.type === 'error');
    expect(errors).toHaveLength(garbage.length);
    for (const e of errors) {
      expect(e).toMatchObject({ code: 'invalid_message' });
      if (e.type === 'error') expect(e.message.length).toBeGreaterThan(0);
    }
    expect(errors[3]).toMatchObject({ clientMessageId: 'g1', details: { issues: [expect.objectContaining({ path: ['threadId'] })] } });
    expect(await stack.db.message.count({ where: { threadId: thread.id } })).toBe(0);

    client.send({ type: 'user_message', threadId: thread.id, text: 'now a real one', clientMessageId: 'ok-1' });
    const accepted = await client.next((f) => f.type === 'message_accepted');
    await client.next((f) => f.type === 'agent_completed' && 'runId' in accepted && f.runId === accepted.runId);
  });

  it('rejects bad HTTP input with 400 and the zod issues, never 500', async () => {
    const api = await stack.api('grace');
    const bad = await api.post('/api/v1/threads', '{not json');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'invalid_message' } });
    const longTitle = await api.post('/api/v1/threads', { title: 'x'.repeat(201) });
    expect(longTitle.status).toBe(400);
    expect(longTitle.body).toMatchObject({ error: { code: 'invalid_message', details: { issues: [expect.objectContaining({ path: ['title'] })] } } });
    expect((await api.get('/api/v1/threads/not-a-uuid')).status).toBe(400);
    expect((await api.get(`/api/v1/threads/${randomUUID()}`)).status).toBe(404);
    expect((await api.get('/api/v1/threads?limit=1000')).status).toBe(400);
    expect((await api.get('/api/v1/threads?cursor=Zm9v')).status).toBe(400);
    const anonymous = await stack.api();
    expect((await anonymous.get('/api/v1/threads')).status).toBe(401);
    expect(await stack.db.thread.count({ where: { user: { subject: 'grace' } } })).toBe(0);
  });
});

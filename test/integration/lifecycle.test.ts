import type { CancelResult, MessageAccepted, Thread } from '@netra/contracts';
import { tokenFor, type WsClient } from '../support/clients.js';
import { FakeLlmServer } from '../support/fake-llm.js';
import { Stack, waitForRunStatus } from '../support/stack.js';

// Every `local` LLM call takes 1.5 s, so runs are in flight long enough to double-text and cancel them.
let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start('lifecycle', { workers: 2, env: { LLM_LOCAL_DELAY_MS: '1500', WORKER_CONCURRENCY: '4' } });
});

afterAll(async () => {
  await stack?.stop();
});

async function thread(subject: string): Promise<Thread> {
  const res = await (await stack.api(subject)).post<Thread>('/api/v1/threads', { title: 'lifecycle' });
  return res.body;
}

async function send(client: WsClient, threadId: string, clientMessageId: string, strategy?: 'enqueue' | 'reject' | 'interrupt') {
  client.send({ type: 'user_message', threadId, text: 'How can we cut cost?', clientMessageId, ...(strategy ? { strategy } : {}) });
  return client.next((f) => (f.type === 'message_accepted' || f.type === 'error') && f.clientMessageId === clientMessageId);
}

/** Polls `read` until `done` holds (or 5 s pass) and returns the last value. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5_000;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

function accepted(frame: Awaited<ReturnType<typeof send>>): MessageAccepted {
  if (frame.type !== 'message_accepted') throw new Error(`expected message_accepted, got ${JSON.stringify(frame)}`);
  return frame;
}

describe('one run at a time per thread', () => {
  it('enqueue: runs of a thread execute one after another, in acceptance order', async () => {
    const t = await thread('ann');
    const client = await stack.ws('ann');
    const runs = [accepted(await send(client, t.id, 'e1')), accepted(await send(client, t.id, 'e2')), accepted(await send(client, t.id, 'e3'))];
    for (const r of runs) await client.next((f) => f.type === 'agent_completed' && f.runId === r.runId, 30_000);

    const rows = await stack.db.run.findMany({ where: { threadId: t.id }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => r.id)).toEqual(runs.map((r) => r.runId));
    expect(rows.every((r) => r.status === 'completed')).toBe(true);
    for (let i = 1; i < rows.length; i += 1) {
      expect(rows[i]!.startedAt!.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.finishedAt!.getTime());
    }
    // The socket saw run 1 end before run 2 started, and so on.
    const order = client.frames.filter((f) => f.type === 'agent_started' || f.type === 'agent_completed').map((f) => `${f.type}:${'runId' in f ? f.runId : ''}`);
    expect(order).toEqual(runs.flatMap((r) => [`agent_started:${r.runId}`, `agent_completed:${r.runId}`]));
    expect(await stack.db.thread.findUnique({ where: { id: t.id }, select: { activeRunId: true } })).toEqual({ activeRunId: null });
  });

  it('reject: a message to a busy thread gets thread_busy and nothing is stored', async () => {
    const t = await thread('ben');
    const client = await stack.ws('ben');
    const first = accepted(await send(client, t.id, 'r1'));
    await client.next((f) => f.type === 'agent_started' && f.runId === first.runId);
    const busy = await send(client, t.id, 'r2', 'reject');
    expect(busy).toMatchObject({ type: 'error', code: 'thread_busy', details: { activeRunId: first.runId } });
    expect(await stack.db.message.count({ where: { threadId: t.id } })).toBe(1);
    expect(await stack.db.run.count({ where: { threadId: t.id } })).toBe(1);
    await client.next((f) => f.type === 'agent_completed' && f.runId === first.runId, 30_000);
    // Once idle, `reject` is accepted like any message.
    const later = accepted(await send(client, t.id, 'r3', 'reject'));
    await client.next((f) => f.type === 'agent_completed' && f.runId === later.runId, 30_000);
  });

  // A worker announces agent_completed a moment before it hands the thread to the next run. A client that answers
  // the announcement at once with `reject` lands in that moment (CI saw it): the thread must not count as busy.
  it('reject right after agent_completed, before the hand-over: accepted, and it runs once the thread is handed on', async () => {
    const t = await thread('bea');
    const client = await stack.ws('bea');
    const first = accepted(await send(client, t.id, 'h1'));
    await client.next((f) => f.type === 'agent_completed' && f.runId === first.runId, 30_000);
    await eventually(
      () => stack.db.thread.findUniqueOrThrow({ where: { id: t.id } }),
      (row) => row.activeRunId === null,
    );
    // Hold the moment open: the thread names its finished run as active again, as it does until the hand-over.
    await stack.db.thread.update({ where: { id: t.id }, data: { activeRunId: first.runId } });

    const second = accepted(await send(client, t.id, 'h2', 'reject'));
    expect(await stack.db.run.findUniqueOrThrow({ where: { id: second.runId } })).toMatchObject({ status: 'queued' });
    // The hand-over (here the reconciler's, which repairs a thread whose active run ended) starts it.
    await client.next((f) => f.type === 'agent_completed' && f.runId === second.runId, 30_000);
  });

  it('interrupt: the active run is cancelled (agent_stopped, no answer) and the new one runs', async () => {
    const t = await thread('cat');
    const client = await stack.ws('cat');
    const first = accepted(await send(client, t.id, 'i1'));
    await client.next((f) => f.type === 'sub_agent_update' && f.runId === first.runId && f.agent === 'reporting' && f.status === 'running');
    const second = accepted(await send(client, t.id, 'i2', 'interrupt'));
    const stopped = await client.next((f) => f.type === 'agent_stopped' && f.runId === first.runId);
    expect(stopped).toMatchObject({ reason: expect.stringMatching(/interrupt/) });
    await client.next((f) => f.type === 'agent_completed' && f.runId === second.runId, 30_000);

    const a = await stack.db.run.findUniqueOrThrow({ where: { id: first.runId }, include: { assistantMessage: true, steps: true } });
    expect(a.status).toBe('cancelled');
    expect(a.assistantMessage).toBeNull();
    expect(a.error).toMatchObject({ code: 'interrupted' });
    // Nothing of the first run reached the client after its agent_stopped.
    const firstEvents = client.runEvents(first.runId);
    expect(firstEvents[firstEvents.length - 1]?.type).toBe('agent_stopped');
    // The worker noticed and stopped the step it was in.
    const reporting = await eventually(
      () => stack.db.runStep.findFirstOrThrow({ where: { runId: first.runId, agent: 'reporting' } }),
      (s) => s.status !== 'running',
    );
    expect(reporting.status).toBe('skipped');
    expect((await stack.db.run.findUniqueOrThrow({ where: { id: second.runId } })).status).toBe('completed');
  });
});

describe('cancellation', () => {
  it('stop_agent reaches the in-flight LLM call within 1 s and records the run cancelled', async () => {
    const t = await thread('dan');
    const client = await stack.ws('dan');
    const run = accepted(await send(client, t.id, 'c1'));
    await client.next((f) => f.type === 'sub_agent_update' && f.runId === run.runId && f.agent === 'reporting' && f.status === 'running');
    const asked = Date.now();
    client.send({ type: 'stop_agent', runId: run.runId });
    await client.next((f) => f.type === 'agent_stopped' && f.runId === run.runId);
    expect(Date.now() - asked).toBeLessThan(1_000);

    // The worker aborted the LLM call (the step stops long before the 1.5 s the call would take).
    const step = await eventually(
      () => stack.db.runStep.findFirstOrThrow({ where: { runId: run.runId, agent: 'reporting' } }),
      (s) => s.status !== 'running',
    );
    expect(step.status).toBe('skipped');
    expect(step.error).toMatchObject({ code: 'cancelled' });
    expect(step.finishedAt!.getTime() - asked).toBeLessThan(1_000);
    const row = await stack.db.run.findUniqueOrThrow({ where: { id: run.runId }, include: { assistantMessage: true } });
    expect(row.status).toBe('cancelled');
    expect(row.assistantMessage).toBeNull();
  });

  it('POST /runs/:id/cancel on a queued run: it never starts, and the thread moves on', async () => {
    const t = await thread('eve');
    const client = await stack.ws('eve');
    const api = await stack.api('eve');
    const first = accepted(await send(client, t.id, 'q1'));
    const queued = accepted(await send(client, t.id, 'q2'));
    const third = accepted(await send(client, t.id, 'q3'));
    const res = await api.post<CancelResult>(`/api/v1/runs/${queued.runId}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ runId: queued.runId, status: 'cancelled', cancelled: true });
    await client.next((f) => f.type === 'agent_completed' && f.runId === third.runId, 30_000);
    expect(client.runEvents(queued.runId).map((e) => e.type)).toEqual(['agent_stopped']);
    expect(await stack.db.runStep.count({ where: { runId: queued.runId } })).toBe(0);
    expect((await stack.db.run.findUniqueOrThrow({ where: { id: first.runId } })).status).toBe('completed');

    // Cancelling a finished run is a no-op with a clear answer, over HTTP and WS.
    const again = await api.post<CancelResult>(`/api/v1/runs/${first.runId}/cancel`);
    expect(again.body).toMatchObject({ cancelled: false, status: 'completed', message: expect.stringMatching(/already completed/) });
    client.send({ type: 'stop_agent', runId: first.runId });
    await expect(client.next((f) => f.type === 'error' && f.code === 'conflict')).resolves.toMatchObject({ message: expect.stringMatching(/already completed/) });
    // Someone else's run does not exist.
    const other = await stack.api('frank');
    expect((await other.post(`/api/v1/runs/${third.runId}/cancel`)).status).toBe(404);
  });
});

describe('cancellation of a real, slow LLM call', () => {
  it('stop_agent aborts the HTTP request to the model within 1 s (OpenAI-compatible provider, hanging server)', async () => {
    const llm = new FakeLlmServer();
    const baseUrl = await llm.start();
    // Triage answers; the reporting call hangs until the client gives up.
    llm.script = (_model, _n, request) =>
      request.messages.some((m) => /executive summary/i.test(m.content)) ? { kind: 'hang' } : { kind: 'ok', content: '{"intent":"cost_optimization"}' };
    const slow = await Stack.start('cancelhttp', {
      env: { LLM_PROVIDER: 'openai', LLM_BASE_URL: baseUrl, LLM_API_KEY: 'test', LLM_MODELS: 'slow-model', LLM_TIMEOUT_MS: '60000' },
    });
    try {
      const t = (await (await slow.api('vic')).post<Thread>('/api/v1/threads', { title: 'slow' })).body;
      const client = await slow.ws('vic');
      const run = accepted(await send(client, t.id, 'h1'));
      await client.next((f) => f.type === 'sub_agent_update' && f.runId === run.runId && f.agent === 'reporting' && f.status === 'running', 30_000);
      await eventually(async () => llm.requests.length, () => llm.requests.some((r) => r.messages.some((m) => /executive summary/i.test(m.content))));
      const asked = Date.now();
      client.send({ type: 'stop_agent', runId: run.runId });
      await client.next((f) => f.type === 'agent_stopped' && f.runId === run.runId);
      const abandonedAt = await eventually(async () => llm.abandoned[0], (at) => at !== undefined);
      expect(abandonedAt).toBeDefined();
      expect((abandonedAt ?? Infinity) - asked).toBeLessThan(1_000);
      expect((await slow.db.run.findUniqueOrThrow({ where: { id: run.runId } })).status).toBe('cancelled');
    } finally {
      await slow.stop();
      await llm.stop();
    }
  });
});

describe('resume over HTTP', () => {
  it('GET /runs/:id/events replays as JSON and as SSE from Last-Event-ID, ending after the terminal event', async () => {
    const t = await thread('gus');
    const client = await stack.ws('gus');
    const run = accepted(await send(client, t.id, 's1'));
    await client.next((f) => f.type === 'agent_completed' && f.runId === run.runId, 30_000);
    const seen = client.runEvents(run.runId);
    const api = await stack.api('gus');

    const all = await api.get<{ data: { eventId: string }[] }>(`/api/v1/runs/${run.runId}/events`);
    expect(all.body.data.map((e) => e.eventId)).toEqual(seen.map((e) => e.eventId));
    const tail = await api.get<{ data: { eventId: string }[] }>(`/api/v1/runs/${run.runId}/events?after=${seen[3]?.eventId}`);
    expect(tail.body.data.map((e) => e.eventId)).toEqual(seen.slice(4).map((e) => e.eventId));

    const res = await fetch(`${stack.gateway.url}/api/v1/runs/${run.runId}/events`, {
      headers: { authorization: `Bearer ${await tokenFor('gus')}`, accept: 'text/event-stream', 'last-event-id': seen[5]?.eventId ?? '' },
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const body = await res.text(); // the stream ends by itself after agent_completed
    const ids = [...body.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]);
    expect(ids).toEqual(seen.slice(6).map((e) => e.eventId));
    expect(body).toMatch(/event: agent_completed/);
  });

  it('an SSE stream opened mid-run goes live at the seam without a gap or a duplicate', async () => {
    const t = await thread('hal');
    const client = await stack.ws('hal');
    const run = accepted(await send(client, t.id, 's2'));
    await client.next((f) => f.type === 'sub_agent_update' && f.runId === run.runId && f.agent === 'data' && f.status === 'completed');
    const res = await fetch(`${stack.gateway.url}/api/v1/runs/${run.runId}/events`, {
      headers: { authorization: `Bearer ${await tokenFor('hal')}`, accept: 'text/event-stream' },
    });
    const body = await res.text();
    await client.next((f) => f.type === 'agent_completed' && f.runId === run.runId);
    const ids = [...body.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]);
    expect(ids).toEqual(client.runEvents(run.runId).map((e) => e.eventId));
  });
});

describe('backpressure', () => {
  it('past QUEUE_MAX_WAITING new messages get overloaded with retryAfterMs and nothing is stored', async () => {
    // A stack with no workers, so jobs wait.
    const idle = await Stack.start('backpressure', { workers: 0, env: { QUEUE_MAX_WAITING: '3' } });
    try {
      const api = await idle.api('ivy');
      const results: { status: number; body: unknown }[] = [];
      for (let i = 0; i < 6; i += 1) {
        const t = (await api.post<Thread>('/api/v1/threads', { title: `bp ${i}` })).body;
        results.push(await api.post(`/api/v1/threads/${t.id}/messages`, { text: 'hello', clientMessageId: `bp-${i}` }));
        // Give the sampler (250 ms) no chance to be the only thing that stops the flood: no sleeping here.
      }
      expect(results.slice(0, 3).map((r) => r.status)).toEqual([202, 202, 202]);
      for (const r of results.slice(3)) {
        expect(r.status).toBe(503);
        expect(r.body).toMatchObject({ error: { code: 'overloaded', retryAfterMs: expect.any(Number) } });
      }
      expect(await idle.db.message.count()).toBe(3);
      expect(await idle.db.run.count()).toBe(3);

      const ws = await idle.ws('ivy');
      const t = (await api.post<Thread>('/api/v1/threads', { title: 'bp ws' })).body;
      ws.send({ type: 'user_message', threadId: t.id, text: 'hello', clientMessageId: 'bp-ws' });
      await expect(ws.next((f) => f.type === 'error')).resolves.toMatchObject({ code: 'overloaded', clientMessageId: 'bp-ws', retryAfterMs: expect.any(Number) });
    } finally {
      await idle.stop();
    }
  });
});

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Redis } from 'ioredis';
import { createRedis, RedisNames, RunEventLog, waitForRedis } from '@netra/bus';
import { WsCloseCode, type RunEventDraft } from '@netra/contracts';
import { tokenFor } from '../support/clients.js';
import { Stack } from '../support/stack.js';

/**
 * A client that stops reading must not grow the gateway's memory: once a socket (or an SSE stream) holds more than
 * WS_MAX_BUFFERED_BYTES unsent, the gateway closes it — a socket with 4008 — and the client resumes from the last
 * event it got (`subscribe {after}`, `Last-Event-ID`), missing nothing and receiving nothing twice.
 */
/** Above one replay page (500 events of 1 KB), below the log's 16 MB and the kernel's socket buffers. */
const BOUND = 1_048_576;
let stack: Stack;
let redis: Redis;
let log: RunEventLog;

beforeAll(async () => {
  stack = await Stack.start('slowconsumer', { workers: 0, env: { WS_MAX_BUFFERED_BYTES: String(BOUND) } });
  redis = createRedis(stack.testEnv.redisUrl, { role: 'durable' });
  await waitForRedis(redis);
  log = new RunEventLog(redis, new RedisNames(stack.testEnv.prefix), { maxLen: 20_000, retentionSeconds: 600 });
});

afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
});

/** ~16 MB of token events in the thread's log, written the way workers write them: far above the bound and the kernel's socket buffers on loopback. */
async function longLog(userId: string, threadId: string, runId: string): Promise<string[]> {
  const delta = 'x'.repeat(1_000);
  const ids: string[] = [];
  for (let batch = 0; batch < 80; batch += 1) {
    const drafts: RunEventDraft[] = Array.from({ length: 200 }, () => ({ type: 'agent_token', runId, threadId, agent: 'data', delta }));
    for (const event of await log.publishAll(userId, drafts)) ids.push(event.eventId);
  }
  return ids;
}

/** An SSE request whose response is not read until `resume()`; `done` resolves with the event ids once it ends. */
function sseRequest(url: string, headers: Record<string, string>): { paused: Promise<void>; resume: () => void; done: Promise<string[]> } {
  let resume: () => void = () => undefined;
  let onPaused: () => void = () => undefined;
  const paused = new Promise<void>((resolve) => {
    onPaused = resolve;
  });
  const done = new Promise<string[]>((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      res.pause();
      resume = () => res.resume();
      onPaused();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        resolve([...body.matchAll(/^id: (\d{16})$/gm)].map((m) => m[1] ?? ''));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  return { paused, resume: () => resume(), done };
}

describe('slow consumers', () => {
  it('a socket that does not read is closed with 4008; subscribe {after} on a new socket resumes exactly', async () => {
    const api = await stack.api('slow-reader');
    const thread = (await api.post<{ id: string }>('/api/v1/threads', { title: 'firehose' })).body;
    const user = await stack.db.user.findUniqueOrThrow({ where: { subject: 'slow-reader' } });
    const runId = randomUUID();
    const published = await longLog(user.id, thread.id, runId);

    const slow = await stack.ws('slow-reader');
    const closed = new Promise<number>((resolve) => slow.socket.once('close', (code) => resolve(code)));
    slow.socket.pause();
    slow.send({ type: 'subscribe', threadId: thread.id, after: '0'.repeat(16) });
    const line = await stack.gateway.process.waitForLog((l) => l.message === 'slow consumer: closing the socket');
    expect(Number(line.bufferedBytes)).toBeGreaterThan(BOUND);
    slow.socket.resume();
    expect(await closed).toBe(WsCloseCode.slowConsumer);

    // What it got before the close is a gap-free prefix of the log, and the replay stopped well short of the end.
    const got = slow.runEvents(runId).map((e) => e.eventId);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(published.length);
    expect(got).toEqual(published.slice(0, got.length));
    expect(slow.frames.some((f) => f.type === 'subscribed')).toBe(false);

    // Resume on a new socket from the last event received, then live. A reader that still falls behind the
    // replay (a loaded machine) is cut again and resumes again, as the web client does; each round makes progress.
    const received = [...got];
    let again = await stack.ws('slow-reader');
    for (let attempt = 0; ; attempt += 1) {
      const before = received.length;
      again.send({ type: 'subscribe', threadId: thread.id, after: received.at(-1) ?? null });
      const subscribed = await again.next((f) => f.type === 'subscribed', 30_000).catch(() => undefined);
      received.push(...again.runEvents(runId).map((e) => e.eventId));
      if (subscribed) {
        expect(subscribed).toMatchObject({ replayed: published.length - before, lastEventId: published.at(-1) });
        break;
      }
      expect(again.closeCode).toBe(WsCloseCode.slowConsumer);
      expect(attempt).toBeLessThan(10);
      again = await stack.ws('slow-reader');
    }
    const live = await log.publish(user.id, { type: 'sub_agent_update', runId, threadId: thread.id, agent: 'actions', status: 'completed', durationMs: 3 });
    await again.next((f) => f.type === 'sub_agent_update');
    received.push(...again.runEvents(runId).filter((e) => e.type === 'sub_agent_update').map((e) => e.eventId));
    expect(received).toEqual([...published, live?.eventId]);
    expect(again.closeCode).toBeUndefined();
  });

  it('an SSE stream that is not read is ended; Last-Event-ID resumes it exactly', async () => {
    const api = await stack.api('slow-sse');
    const thread = (await api.post<{ id: string }>('/api/v1/threads', { title: 'firehose over SSE' })).body;
    // A real run of the user (no worker: it stays queued), whose log the test then fills.
    const accepted = (await api.post<{ runId: string }>(`/api/v1/threads/${thread.id}/messages`, { text: 'hello' })).body;
    const user = await stack.db.user.findUniqueOrThrow({ where: { subject: 'slow-sse' } });
    const published = await longLog(user.id, thread.id, accepted.runId);
    const terminal = await log.publish(user.id, { type: 'agent_failed', runId: accepted.runId, threadId: thread.id, error: { code: 'x', message: 'end of the test run' } }, { once: 'terminal' });
    const all = [...published, terminal?.eventId ?? ''];
    const url = `${stack.gateway.url}/api/v1/runs/${accepted.runId}/events`;
    const authorization = `Bearer ${await tokenFor('slow-sse')}`;

    const slow = sseRequest(url, { authorization });
    await slow.paused;
    const line = await stack.gateway.process.waitForLog((l) => l.message === 'slow consumer: ending the event stream');
    expect(Number(line.bufferedBytes)).toBeGreaterThan(BOUND);
    slow.resume();
    const got = await slow.done;
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(all.length);
    expect(got).toEqual(all.slice(0, got.length));

    // As EventSource does: reconnect with the last id received, reading promptly now; the replay continues to the
    // terminal event (a reader as fast as the gateway may still be cut now and then: it just reconnects again).
    const received = [...got];
    for (let attempt = 0; attempt < 10 && received.at(-1) !== terminal?.eventId; attempt += 1) {
      const again = sseRequest(url, { authorization, 'last-event-id': received.at(-1) ?? '' });
      await again.paused;
      again.resume();
      received.push(...(await again.done));
    }
    expect(received).toEqual(all);
  });
});

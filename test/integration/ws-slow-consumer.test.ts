import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedis, RedisNames, RunEventLog, waitForRedis } from '@netra/bus';
import { WsCloseCode, type RunEventDraft } from '@netra/contracts';
import { Stack } from '../support/stack.js';

/**
 * A client that stops reading must not grow the gateway's memory: once the socket holds more than
 * WS_MAX_BUFFERED_BYTES unsent, the gateway closes it with 4008, and the client resumes with `subscribe {after}` —
 * on a new socket, from the last event it got, missing nothing and receiving nothing twice.
 */
describe('slow consumers', () => {
  let stack: Stack | undefined;
  let redis: Redis | undefined;

  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
  });

  it('a socket that does not read is closed with 4008; subscribe {after} on a new socket resumes exactly', async () => {
    stack = await Stack.start('slowconsumer', { workers: 0, env: { WS_MAX_BUFFERED_BYTES: '262144' } });
    const api = await stack.api('slow-reader');
    const thread = (await api.post<{ id: string }>('/api/v1/threads', { title: 'firehose' })).body;
    const user = await stack.db.user.findUniqueOrThrow({ where: { subject: 'slow-reader' } });

    // A long thread log, written the way workers write it: ~8 MB of token events, far above the bound and the
    // kernel's socket buffers on loopback.
    redis = createRedis(stack.testEnv.redisUrl, { role: 'durable' });
    await waitForRedis(redis);
    const log = new RunEventLog(redis, new RedisNames(stack.testEnv.prefix), { maxLen: 20_000, retentionSeconds: 600 });
    const runId = randomUUID();
    const delta = 'x'.repeat(1_000);
    const published: string[] = [];
    for (let batch = 0; batch < 40; batch += 1) {
      const drafts: RunEventDraft[] = Array.from({ length: 200 }, () => ({ type: 'agent_token', runId, threadId: thread.id, agent: 'data', delta }));
      for (const event of await log.publishAll(user.id, drafts)) published.push(event.eventId);
    }

    const slow = await stack.ws('slow-reader');
    const closed = new Promise<number>((resolve) => slow.socket.once('close', (code) => resolve(code)));
    slow.socket.pause();
    slow.send({ type: 'subscribe', threadId: thread.id, after: '0'.repeat(16) });
    const line = await stack.gateway.process.waitForLog((l) => l.message === 'slow consumer: closing the socket');
    expect(Number(line.bufferedBytes)).toBeGreaterThan(262_144);
    slow.socket.resume();
    expect(await closed).toBe(WsCloseCode.slowConsumer);

    // What it got before the close is a gap-free prefix of the log, and the replay stopped well short of the end.
    const got = slow.runEvents(runId).map((e) => e.eventId);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(published.length);
    expect(got).toEqual(published.slice(0, got.length));
    expect(slow.frames.some((f) => f.type === 'subscribed')).toBe(false);

    // Resume on a new socket from the last event received, then live.
    const again = await stack.ws('slow-reader');
    const last = got[got.length - 1] ?? null;
    again.send({ type: 'subscribe', threadId: thread.id, after: last });
    const subscribed = await again.next((f) => f.type === 'subscribed', 30_000);
    expect(subscribed).toMatchObject({ replayed: published.length - got.length, lastEventId: published.at(-1) });
    const live = await log.publish(user.id, { type: 'sub_agent_update', runId, threadId: thread.id, agent: 'actions', status: 'completed', durationMs: 3 });
    await again.next((f) => f.type === 'sub_agent_update');
    const resumed = again.runEvents(runId).map((e) => e.eventId);
    expect([...got, ...resumed]).toEqual([...published, live?.eventId]);
    expect(again.closeCode).toBeUndefined();
  });
});

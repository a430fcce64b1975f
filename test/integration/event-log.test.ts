import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisNames, RunEventLog, RunEventSubscriber, createRedis, waitForRedis } from '@netra/bus';
import type { RunEventEnvelope } from '@netra/contracts';
import { deleteKeys, REDIS_URL } from '../support/services.js';

const names = new RedisNames(`t_eventlog_${process.pid}`);
let redis: Redis;
let sub: Redis;

beforeAll(async () => {
  redis = createRedis(REDIS_URL, { role: 'durable' });
  sub = createRedis(REDIS_URL, { role: 'blocking' });
  await Promise.all([waitForRedis(redis), waitForRedis(sub)]);
});

afterAll(async () => {
  await deleteKeys(REDIS_URL, `${names.prefix}:*`);
  redis.disconnect();
  sub.disconnect();
});

describe('run event log (real Redis)', () => {
  it('numbers, stores and publishes events atomically; replays after any id; publishes once-events once', async () => {
    const log = new RunEventLog(redis, names, { retentionSeconds: 60, maxLen: 1000 });
    const subscriber = new RunEventSubscriber(sub, names);
    const userId = randomUUID();
    const threadId = randomUUID();
    const runId = randomUUID();
    const live: RunEventEnvelope[] = [];
    subscriber.on('event', (_user, envelope) => live.push(envelope));
    await subscriber.subscribeUser(userId);

    const published = [];
    published.push(await log.publish(userId, { type: 'agent_started', runId, threadId, messageId: randomUUID(), attempt: 1 }));
    for (const agent of ['triage', 'data'] as const) {
      published.push(await log.publish(userId, { type: 'sub_agent_update', runId, threadId, agent, status: 'completed', durationMs: 3 }));
    }
    const terminal = { type: 'agent_failed', runId, threadId, error: { code: 'x', message: 'boom' } } as const;
    published.push(await log.publish(userId, terminal, { once: 'terminal' }));
    expect(await log.publish(userId, terminal, { once: 'terminal' })).toBeNull();

    const ids = published.map((e) => e?.eventId ?? '');
    // Numbering starts from the clock (µs-scale), then counts up by one per event.
    const first = Number(ids[0]);
    expect(first).toBeGreaterThan(Date.now() * 1000 - 60_000_000);
    expect(ids.map(Number)).toEqual([first, first + 1, first + 2, first + 3]);
    expect(ids.every((id) => /^\d{16}$/.test(id))).toBe(true);
    expect(await log.head(threadId)).toBe(ids[3]);
    // Nothing of the run is appended after its terminal event.
    expect(await log.publish(userId, { type: 'sub_agent_update', runId, threadId, agent: 'actions', status: 'running' })).toBeNull();

    const all: string[] = [];
    for await (const raw of log.replay(threadId, null, 2)) all.push((JSON.parse(raw) as { eventId: string }).eventId);
    expect(all).toEqual(ids);
    const after: string[] = [];
    for await (const raw of log.replay(threadId, ids[1] ?? null)) after.push((JSON.parse(raw) as { eventId: string }).eventId);
    expect(after).toEqual([ids[2], ids[3]]);
    expect(await log.findRunStart(threadId, runId)).toBe(ids[0]);

    const deadline = Date.now() + 2_000;
    while (live.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(live.map((e) => e.eventId)).toEqual(ids);

    await subscriber.unsubscribeUser(userId);
  });

  it('re-seeds a lost counter from the clock, so ids keep growing after a Redis data loss', async () => {
    const log = new RunEventLog(redis, names);
    const threadId = randomUUID();
    const before = await log.publish(randomUUID(), { type: 'agent_token', runId: randomUUID(), threadId, agent: 'reporting', delta: 'a' });
    await redis.del(names.threadEventSeq(threadId), names.threadEventLog(threadId));
    await new Promise((r) => setTimeout(r, 5));
    const after = await log.publish(randomUUID(), { type: 'agent_token', runId: randomUUID(), threadId, agent: 'reporting', delta: 'b' });
    expect((after?.eventId ?? '') > (before?.eventId ?? '')).toBe(true);
  });

  it('appends the runs of one turn in one script call, each run in order, a closed run not holding up the others', async () => {
    const own = createRedis(REDIS_URL, { role: 'durable' });
    try {
      await waitForRedis(own);
      const log = new RunEventLog(own, names, { maxBatch: 64 });
      const userId = randomUUID();
      const threads = Array.from({ length: 3 }, () => ({ threadId: randomUUID(), runId: randomUUID() }));
      const [closed, a, b] = threads as [(typeof threads)[number], (typeof threads)[number], (typeof threads)[number]];
      await log.publish(userId, { type: 'agent_failed', ...closed, error: { code: 'x', message: 'boom' } }, { once: 'terminal' });
      const sent = jest.spyOn(own, 'sendCommand');
      const [late, ...rest] = await Promise.all([
        log.publish(userId, { type: 'sub_agent_update', ...closed, agent: 'data', status: 'running' }),
        log.publishAll(userId, [
          { type: 'sub_agent_update', ...a, agent: 'triage', status: 'completed', durationMs: 1 },
          { type: 'sub_agent_update', ...a, agent: 'data', status: 'running' },
        ]),
        log.publish(userId, { type: 'sub_agent_update', ...b, agent: 'triage', status: 'running' }),
        log.publish(userId, { type: 'sub_agent_update', ...a, agent: 'data', status: 'completed', durationMs: 1 }),
      ]);
      const scripts = sent.mock.calls.filter(([command]) => command.name === 'evalsha' || command.name === 'eval');
      sent.mockRestore();
      expect(scripts).toHaveLength(1);
      // The closed run got nothing; the others got their events, numbered in call order within each thread.
      expect(late).toBeNull();
      const [aFirst, bOnly, aLast] = rest as [{ eventId: string }[], { eventId: string } | null, { eventId: string } | null];
      expect(aFirst).toHaveLength(2);
      expect(bOnly).not.toBeNull();
      const aIds = [...aFirst.map((e) => e.eventId), aLast?.eventId ?? ''].map(Number);
      expect(aIds).toEqual([aIds[0], (aIds[0] ?? 0) + 1, (aIds[0] ?? 0) + 2]);
      const replayed: string[] = [];
      for await (const raw of log.replay(a.threadId, null)) replayed.push((JSON.parse(raw) as { agent: string; status: string }).status);
      expect(replayed).toEqual(['completed', 'running', 'completed']);
    } finally {
      own.disconnect();
    }
  });

  it('splits appends over maxBatch into several script calls, without losing any', async () => {
    const log = new RunEventLog(redis, names, { maxBatch: 4 });
    const userId = randomUUID();
    const threadId = randomUUID();
    const runs = Array.from({ length: 10 }, () => randomUUID());
    const results = await Promise.all(runs.map((runId) => log.publish(userId, { type: 'agent_token', runId, threadId, agent: 'reporting', delta: runId })));
    const ids = results.map((r) => Number(r?.eventId));
    // Appended in call order across the batches: ids count up by one.
    expect(ids).toEqual(ids.map((_, i) => (ids[0] ?? 0) + i));
  });

  it('keeps numbering per thread strictly increasing under concurrent publishers', async () => {
    const log = new RunEventLog(redis, names);
    const threadId = randomUUID();
    const runId = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 200 }, () => log.publish(randomUUID(), { type: 'agent_token', runId, threadId, agent: 'reporting', delta: 'x' })),
    );
    const ids = results.map((r) => r?.eventId ?? '').sort();
    expect(new Set(ids).size).toBe(200);
    expect(Number(ids[199]) - Number(ids[0])).toBe(199);
  });
});

import type { Report, RunEvent } from '@netra/contracts';
import type { RunEventLog, RunQueue } from '@netra/bus';
import type { Db } from '@netra/db';
import { CheckpointWriter, type RunEngine, type RunRef } from '@netra/runs';
import { createEngineHarness, type EngineHarness } from '../../../test/support/engine.js';

/**
 * The run engine in-process against the real PostgreSQL and Redis: each transition's conditional write, its
 * event, and the hand-over — the guarantees the gateway, the worker and the reconciler rely on.
 */
let harness: EngineHarness | undefined;
let db: Db;
let events: RunEventLog;
let engine: RunEngine;
let queue: RunQueue;

beforeAll(async () => {
  harness = await createEngineHarness('engine');
  ({ db, events, engine, queue } = harness);
});

afterAll(async () => {
  await harness?.close();
});

let users = 0;
async function newThread(): Promise<{ userId: string; threadId: string }> {
  users += 1;
  const user = await db.user.create({ data: { subject: `engine-${users}-${Date.now()}` } });
  const thread = await db.thread.create({ data: { userId: user.id, title: 't' } });
  return { userId: user.id, threadId: thread.id };
}

async function accept(userId: string, threadId: string, clientMessageId: string, strategy?: 'enqueue' | 'reject' | 'interrupt') {
  const result = await engine.accept(userId, { threadId, text: 'How can we cut cost?', clientMessageId, strategy });
  if (result.kind !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(result)}`);
  return result;
}

async function threadEvents(threadId: string): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const json of events.replay(threadId, null)) out.push(JSON.parse(json) as RunEvent);
  return out;
}

const report = { summary: 'Cut the long prompts', recommendations: [] } as unknown as Report;

async function activeRun(threadId: string): Promise<string | null> {
  return (await db.thread.findUniqueOrThrow({ where: { id: threadId }, select: { activeRunId: true } })).activeRunId;
}

describe('RunEngine.accept', () => {
  it('starts the run of an idle thread and queues its job; a second message waits queued behind it', async () => {
    const { userId, threadId } = await newThread();
    const first = await accept(userId, threadId, 'a1');
    const second = await accept(userId, threadId, 'a2');
    expect(first).toMatchObject({ started: true, duplicate: false });
    expect(second).toMatchObject({ started: false, duplicate: false });
    expect(await activeRun(threadId)).toBe(first.runId);
    expect(await queue.getJobState(first.runId)).toBe('waiting');
    expect(await queue.getJobState(second.runId)).toBe('unknown');
  });

  it('returns the first acceptance for the same clientMessageId and stores nothing more', async () => {
    const { userId, threadId } = await newThread();
    const first = await accept(userId, threadId, 'same');
    const again = await accept(userId, threadId, 'same');
    expect(again).toMatchObject({ runId: first.runId, messageId: first.messageId, duplicate: true, started: false });
    expect(await db.run.count({ where: { threadId } })).toBe(1);
    expect(await db.message.count({ where: { threadId } })).toBe(1);
  });

  it('re-queues a duplicate whose first attempt never reached the queue', async () => {
    const { userId, threadId } = await newThread();
    const first = await accept(userId, threadId, 'lost');
    await queue.remove(first.runId);
    expect(await queue.getJobState(first.runId)).toBe('unknown');
    await accept(userId, threadId, 'lost');
    expect(await queue.getJobState(first.runId)).toBe('waiting');
  });

  it('`reject` refuses while a run is in progress and stores nothing', async () => {
    const { userId, threadId } = await newThread();
    const first = await accept(userId, threadId, 'r1');
    const refused = await engine.accept(userId, { threadId, text: 'again', clientMessageId: 'r2', strategy: 'reject' });
    expect(refused).toEqual({ kind: 'busy', activeRunId: first.runId });
    expect(await db.message.count({ where: { threadId } })).toBe(1);
  });

  it('`interrupt` cancels what is in progress, announces it, and starts the new run at once', async () => {
    const { userId, threadId } = await newThread();
    const first = await accept(userId, threadId, 'i1');
    const queued = await accept(userId, threadId, 'i2');
    const interrupting = await accept(userId, threadId, 'i3', 'interrupt');
    expect(interrupting.started).toBe(true);
    expect(await activeRun(threadId)).toBe(interrupting.runId);
    const statuses = await db.run.findMany({ where: { threadId }, select: { id: true, status: true } });
    expect(Object.fromEntries(statuses.map((r) => [r.id, r.status]))).toEqual({
      [first.runId]: 'cancelled',
      [queued.runId]: 'cancelled',
      [interrupting.runId]: 'queued',
    });
    const stopped = (await threadEvents(threadId)).filter((e) => e.type === 'agent_stopped').map((e) => e.runId);
    expect(stopped.sort()).toEqual([first.runId, queued.runId].sort());
  });

  it('accepts concurrent messages together (one batch per thread at most): each its own answer, the same thread queued behind', async () => {
    const threads = await Promise.all([1, 2, 3].map(() => newThread()));
    const [a, b, c] = threads as [(typeof threads)[0], (typeof threads)[0], (typeof threads)[0]];
    const results = await Promise.all([
      accept(a.userId, a.threadId, 'm1'),
      accept(b.userId, b.threadId, 'm1'),
      accept(c.userId, c.threadId, 'm1'),
      accept(a.userId, a.threadId, 'm2'),
    ]);
    expect(results[1]).toMatchObject({ started: true, duplicate: false });
    expect(results[2]).toMatchObject({ started: true, duplicate: false });
    // Two messages of one thread: one runs, the other waits queued behind it.
    const inA = [results[0], results[3]];
    expect(inA.map((r) => r.started).sort()).toEqual([false, true]);
    expect(await activeRun(a.threadId)).toBe(inA.find((r) => r.started)?.runId);
    expect(await db.run.count({ where: { threadId: a.threadId, status: 'queued' } })).toBe(2);

    const other = await newThread();
    const second = await Promise.all([
      engine.accept(b.userId, { threadId: b.threadId, text: 'again', clientMessageId: 'r1', strategy: 'reject' }),
      engine.accept(c.userId, { threadId: c.threadId, text: 'How can we cut cost?', clientMessageId: 'm1' }),
      engine.accept(other.userId, { threadId: a.threadId, text: 'not mine', clientMessageId: 'x1' }),
    ]);
    expect(second[0]).toEqual({ kind: 'busy', activeRunId: results[1].runId });
    expect(second[1]).toMatchObject({ kind: 'accepted', runId: results[2].runId, messageId: results[2].messageId, duplicate: true, started: false });
    expect(second[2]).toEqual({ kind: 'not_found' });
    expect(await db.message.count({ where: { threadId: { in: [a.threadId, b.threadId, c.threadId] } } })).toBe(4);
  });

  it('does not accept into a thread of another user', async () => {
    const { threadId } = await newThread();
    const other = await newThread();
    expect(await engine.accept(other.userId, { threadId, text: 'x' })).toEqual({ kind: 'not_found' });
    expect(await db.message.count({ where: { threadId } })).toBe(0);
  });
});

describe('RunEngine ends of a run', () => {
  async function claimed(): Promise<{ ref: RunRef; next: string }> {
    const { userId, threadId } = await newThread();
    const first = await accept(userId, threadId, 'c1');
    const second = await accept(userId, threadId, 'c2');
    const run = await engine.claim(first.runId);
    expect(run).toMatchObject({ previousStatus: 'queued', attempts: 1 });
    return { ref: { runId: first.runId, threadId, userId }, next: second.runId };
  }

  it('completes once: the answer, agent_completed once, and the thread handed to its next run in the same commit', async () => {
    const { ref, next } = await claimed();
    expect(await engine.complete(ref, report)).toBe(true);
    expect(await activeRun(ref.threadId)).toBe(next);
    expect(await queue.getJobState(next)).toBe('waiting');
    // A retried attempt completing again changes nothing and announces nothing new.
    expect(await engine.complete(ref, report)).toBe(false);
    const completed = (await threadEvents(ref.threadId)).filter((e) => e.type === 'agent_completed');
    expect(completed).toHaveLength(1);
    expect(await db.message.count({ where: { runId: ref.runId } })).toBe(1);
  });

  it("completes the last agent's step with the run, announcing its tool calls, its update and agent_completed in order", async () => {
    const { ref } = await claimed();
    const checkpoints = new CheckpointWriter(db);
    await checkpoints.write({ runId: ref.runId, started: { agent: 'reporting', position: 4, attempt: 1, input: { request: 'q' } } });
    const tool = { type: 'tool_call' as const, runId: ref.runId, threadId: ref.threadId, agent: 'reporting' as const, tool: 'forecast', callId: 'reporting:1', args: {} };
    expect(await engine.complete(ref, report, [], { agent: 'reporting', summary: 'wrote the plan', durationMs: 12.4, events: [tool] })).toBe(true);
    const step = await db.runStep.findUniqueOrThrow({ where: { runId_agent: { runId: ref.runId, agent: 'reporting' } } });
    expect(step).toMatchObject({ status: 'completed', summary: 'wrote the plan', durationMs: 12, output: report });
    expect(step.finishedAt).not.toBeNull();
    const tail = (await threadEvents(ref.threadId)).filter((e) => e.runId === ref.runId).map((e) => (e.type === 'sub_agent_update' ? `${e.type}:${e.status}` : e.type));
    expect(tail).toEqual(['tool_call', 'sub_agent_update:completed', 'agent_completed']);
  });

  it("leaves the last agent's step alone when the run had already ended (a cancel won)", async () => {
    const { ref } = await claimed();
    const checkpoints = new CheckpointWriter(db);
    await checkpoints.write({ runId: ref.runId, started: { agent: 'reporting', position: 4, attempt: 1, input: null } });
    expect(await engine.cancel(ref.userId, ref.runId, 'changed my mind')).toMatchObject({ kind: 'cancelled' });
    expect(await engine.complete(ref, report, [], { agent: 'reporting', summary: 'late', durationMs: 1, events: [] })).toBe(false);
    const step = await db.runStep.findUniqueOrThrow({ where: { runId_agent: { runId: ref.runId, agent: 'reporting' } } });
    expect(step).toMatchObject({ status: 'running', summary: null, output: null });
    const types = (await threadEvents(ref.threadId)).filter((e) => e.runId === ref.runId).map((e) => e.type);
    expect(types).not.toContain('sub_agent_update');
    expect(types.filter((t) => t === 'agent_completed')).toHaveLength(0);
  });

  it("stores the report's recommendations with the completion, and says whether the user subscribed run webhooks", async () => {
    const { ref } = await claimed();
    const ended: { status: string; runWebhooks: boolean }[] = [];
    const listener = (run: RunRef, status: string, info: { runWebhooks: boolean }) => {
      if (run.runId === ref.runId || run.threadId === ref.threadId) ended.push({ status, runWebhooks: info.runWebhooks });
    };
    engine.on('ended', listener);
    try {
      await db.webhook.create({ data: { userId: ref.userId, url: 'https://hooks.example.com/x', events: ['run.completed'], secret: 's' } });
      const rec = {
        id: '5e0f1a2b-3c4d-8e5f-9a0b-1c2d3e4f5a6b',
        position: 0,
        title: 'Route support-bot to a smaller model',
        strategy: 'model_switch',
        app: 'support-bot',
        model: 'gpt-4o',
        estimatedMonthlySavingsUsd: 123.45,
        windowFrom: '2026-11-01T00:00:00.000Z',
        windowTo: '2026-12-01T00:00:00.000Z',
        rollback: 'Route it back',
      };
      expect(await engine.complete(ref, report, [rec])).toBe(true);
      // A repeat (a retried attempt) writes nothing more.
      expect(await engine.complete(ref, report, [rec])).toBe(false);
      const stored = await db.storedRecommendation.findMany({ where: { runId: ref.runId } });
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ id: rec.id, userId: ref.userId, title: rec.title, app: 'support-bot', estimatedMonthlySavingsUsd: 123.45, rollback: 'Route it back' });
      expect(stored[0]?.windowFrom.toISOString()).toBe(rec.windowFrom);
      expect(ended).toEqual([{ status: 'completed', runWebhooks: true }]);
    } finally {
      engine.off('ended', listener);
    }
  });

  it('completes concurrent runs together (one batch): each its own answer, recommendations and hand-over; a cancelled one is refused', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => claimed()));
    const cancelled = await claimed();
    expect(await engine.cancel(cancelled.ref.userId, cancelled.ref.runId, 'stop')).toMatchObject({ kind: 'cancelled' });
    const rec = (n: number) => ({
      id: `5e0f1a2b-3c4d-8e5f-9a0b-1c2d3e4f5a6${n}`,
      position: 0,
      title: `Recommendation ${n}`,
      strategy: 'model_switch',
      app: 'support-bot',
      model: 'gpt-4o',
      estimatedMonthlySavingsUsd: n,
      windowFrom: '2026-11-01T00:00:00.000Z',
      windowTo: '2026-12-01T00:00:00.000Z',
      rollback: 'Route it back',
    });
    const results = await Promise.all([
      ...runs.map(({ ref }, i) => engine.complete(ref, { ...report, summary: `answer ${i}` }, [rec(i)])),
      engine.complete(cancelled.ref, report, [rec(9)]),
    ]);
    expect(results).toEqual([true, true, true, false]);
    for (const [i, { ref, next }] of runs.entries()) {
      expect(await activeRun(ref.threadId)).toBe(next);
      const answer = await db.message.findUniqueOrThrow({ where: { runId: ref.runId } });
      expect(answer).toMatchObject({ role: 'assistant', content: `answer ${i}`, report: { summary: `answer ${i}` } });
      expect(await db.storedRecommendation.findMany({ where: { runId: ref.runId }, select: { title: true } })).toEqual([{ title: `Recommendation ${i}` }]);
      expect((await threadEvents(ref.threadId)).filter((e) => e.type === 'agent_completed' && e.runId === ref.runId)).toHaveLength(1);
    }
    expect(await db.message.count({ where: { runId: cancelled.ref.runId } })).toBe(0);
    expect(await db.storedRecommendation.count({ where: { runId: cancelled.ref.runId } })).toBe(0);
    expect(await activeRun(cancelled.ref.threadId)).toBe(cancelled.next);
  });

  it('says runWebhooks false when the user has no active subscription to run events', async () => {
    const { ref } = await claimed();
    await db.webhook.create({ data: { userId: ref.userId, url: 'https://hooks.example.com/y', events: ['budget.threshold_crossed'], secret: 's' } });
    await db.webhook.create({ data: { userId: ref.userId, url: 'https://hooks.example.com/z', events: ['run.failed'], secret: 's', active: false } });
    const seen = new Promise<boolean>((resolve) => {
      const listener = (run: RunRef, _status: string, info: { runWebhooks: boolean }) => {
        if (run.runId !== ref.runId) return;
        engine.off('ended', listener);
        resolve(info.runWebhooks);
      };
      engine.on('ended', listener);
    });
    expect(await engine.fail(ref, { code: 'x', message: 'boom' })).toBe(true);
    expect(await seen).toBe(false);
  });

  it('a cancel that wins the race leaves the run cancelled: the completion is refused and only agent_stopped goes out', async () => {
    const { ref, next } = await claimed();
    expect(await engine.cancel(ref.userId, ref.runId, 'stop')).toEqual({ kind: 'cancelled', threadId: ref.threadId });
    expect(await engine.complete(ref, report)).toBe(false);
    expect(await engine.fail(ref, { code: 'x', message: 'late failure' })).toBe(false);
    const terminal = (await threadEvents(ref.threadId)).filter((e) => e.runId === ref.runId && ['agent_completed', 'agent_failed', 'agent_stopped'].includes(e.type));
    expect(terminal.map((e) => e.type)).toEqual(['agent_stopped']);
    expect(await activeRun(ref.threadId)).toBe(next);
    expect(await engine.cancel(ref.userId, ref.runId, 'again')).toEqual({ kind: 'already_ended', status: 'cancelled' });
  });

  it('fails a run once with its reason and hands the thread over', async () => {
    const { ref, next } = await claimed();
    expect(await engine.fail(ref, { code: 'agent_failed', message: 'data: boom' })).toBe(true);
    const run = await db.run.findUniqueOrThrow({ where: { id: ref.runId } });
    expect(run).toMatchObject({ status: 'failed', error: { code: 'agent_failed', message: 'data: boom' } });
    expect(await activeRun(ref.threadId)).toBe(next);
    expect(await engine.claim(ref.runId)).toBeNull();
  });

  it('a resumed claim returns the checkpoints of the agents that completed before', async () => {
    const { ref } = await claimed();
    await engine.stepStarted(ref.runId, { agent: 'triage', position: 0, attempt: 1, input: { q: 1 } });
    await engine.stepsCompleted(ref.runId, [{ agent: 'triage', output: { intent: 'cost' }, summary: 's', durationMs: 3 }], { agent: 'data', position: 1, attempt: 1, input: {} });
    const resumed = await engine.claim(ref.runId);
    expect(resumed).toMatchObject({ previousStatus: 'running', attempts: 2, checkpoints: [{ agent: 'triage', output: { intent: 'cost' } }] });
    const steps = await db.runStep.findMany({ where: { runId: ref.runId }, orderBy: { position: 'asc' }, select: { agent: true, status: true } });
    expect(steps).toEqual([
      { agent: 'triage', status: 'completed' },
      { agent: 'data', status: 'running' },
    ]);
  });

  it('writes steps that were never recorded running whole, with the running ones and the next start, in one write', async () => {
    const { ref } = await claimed();
    await engine.stepStarted(ref.runId, { agent: 'optimization', position: 2, attempt: 1, input: { o: 1 } });
    await engine.stepsCompleted(
      ref.runId,
      [
        { agent: 'optimization', output: { plan: 1 }, summary: 'opt', durationMs: 4 },
        { agent: 'actions', output: { steps: 2 }, summary: 'act', durationMs: 250, unrecorded: { position: 3, attempt: 1, input: { a: 1 } } },
      ],
      { agent: 'reporting', position: 4, attempt: 1, input: { r: 1 } },
    );
    const steps = await db.runStep.findMany({ where: { runId: ref.runId }, orderBy: { position: 'asc' } });
    expect(steps.map(({ agent, status, input, output, summary, durationMs, attempt }) => ({ agent, status, input, output, summary, durationMs, attempt }))).toEqual([
      { agent: 'optimization', status: 'completed', input: { o: 1 }, output: { plan: 1 }, summary: 'opt', durationMs: 4, attempt: 1 },
      { agent: 'actions', status: 'completed', input: { a: 1 }, output: { steps: 2 }, summary: 'act', durationMs: 250, attempt: 1 },
      { agent: 'reporting', status: 'running', input: { r: 1 }, output: null, summary: null, durationMs: null, attempt: 1 },
    ]);
    // A step written whole started its duration before it finished.
    const actions = steps[1]!;
    expect(actions.finishedAt!.getTime() - actions.startedAt.getTime()).toBe(250);
    expect(steps[2]!.finishedAt).toBeNull();
    expect((await engine.claim(ref.runId))?.checkpoints.map((c) => c.agent).sort()).toEqual(['actions', 'optimization']);
  });

  it('claims concurrent runs together (one batch): each caller gets its own run, an ended run gets null', async () => {
    const ended = await claimed();
    expect(await engine.complete(ended.ref, report)).toBe(true);
    const fresh = await Promise.all([1, 2, 3].map(async () => {
      const { userId, threadId } = await newThread();
      return accept(userId, threadId, 'c1');
    }));
    const claims = await Promise.all([...fresh.map((r) => engine.claim(r.runId)), engine.claim(ended.ref.runId)]);
    expect(claims[3]).toBeNull();
    fresh.forEach((r, i) => expect(claims[i]).toMatchObject({ id: r.runId, threadId: r.threadId, userMessageId: r.messageId, previousStatus: 'queued', attempts: 1, request: 'How can we cut cost?' }));
    const rows = await db.run.findMany({ where: { id: { in: fresh.map((r) => r.runId) } }, select: { status: true, attempts: true } });
    expect(rows).toEqual(Array(3).fill({ status: 'running', attempts: 1 }));
  });

  it('re-announces the end of a run whose terminal event was lost, once', async () => {
    const { ref } = await claimed();
    expect(await engine.complete(ref, report)).toBe(true);
    await engine.reannounce(ref);
    await engine.reannounce(ref);
    expect((await threadEvents(ref.threadId)).filter((e) => e.type === 'agent_completed')).toHaveLength(1);
  });
});

describe('CheckpointWriter (group commit)', () => {
  it('writes the steps of concurrent runs together, each durable when its promise resolves; a bad write fails only itself', async () => {
    const writer = new CheckpointWriter(db, { maxItems: 100, maxDelayMs: 20 });
    const runs: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const { userId, threadId } = await newThread();
      runs.push((await accept(userId, threadId, `w${i}`)).runId);
    }
    const writes = runs.map((runId, i) => writer.write({ runId, started: { agent: 'triage', position: 0, attempt: 1, input: { i } } }));
    // Same batch: a step of a run that does not exist violates the foreign key.
    const bad = writer.write({ runId: '00000000-0000-4000-8000-000000000000', started: { agent: 'triage', position: 0, attempt: 1, input: {} } });
    await Promise.all(writes);
    await expect(bad).rejects.toThrow(/foreign key/);
    const rows = await db.runStep.findMany({ where: { runId: { in: runs } }, select: { runId: true, status: true, input: true } });
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.status === 'running')).toBe(true);

    await Promise.all(runs.map((runId, i) => writer.write({ runId, completed: [{ agent: 'triage', output: { n: i }, summary: 'ok', durationMs: 1.4 }] })));
    const done = await db.runStep.findMany({ where: { runId: { in: runs } }, select: { runId: true, status: true, output: true, durationMs: true } });
    expect(done.map((r) => r.status)).toEqual(Array(6).fill('completed'));
    expect(done.find((r) => r.runId === runs[3])).toMatchObject({ output: { n: 3 }, durationMs: 1 });
  });
});

import type { RunEvent } from '@netra/contracts';
import { PIPELINE, type Agent, type AnyAgent } from '@netra/agents';
import type { RunEventLog } from '@netra/bus';
import { UsageReadCache, type Db } from '@netra/db';
import { LlmClient } from '@netra/llm';
import type { RunEngine } from '@netra/runs';
import { createEngineHarness, type EngineHarness } from '../../../test/support/engine.js';
import { AgentFailedError, RunProcessor } from '../src/processor.js';

/**
 * The processor in-process against the real PostgreSQL and Redis, with the deterministic local model: what a run
 * writes and announces step by step — including optimization's checkpoint, which waits for actions' write
 * (agents that call no model, docs/GUARANTEES.md §2), and what that wait leaves when the next agent fails.
 */
let harness: EngineHarness | undefined;
let db: Db;
let events: RunEventLog;
let engine: RunEngine;

beforeAll(async () => {
  harness = await createEngineHarness('processor');
  ({ db, events, engine } = harness);
});

afterAll(async () => {
  await harness?.close();
});

function processor(pipeline?: readonly AnyAgent[]): RunProcessor {
  return new RunProcessor({ db, events, llm: new LlmClient(), engine, usageReads: new UsageReadCache(), ...(pipeline ? { pipeline } : {}) });
}

let users = 0;
async function acceptedRun() {
  users += 1;
  const user = await db.user.create({ data: { subject: `processor-${users}-${Date.now()}` } });
  const thread = await db.thread.create({ data: { userId: user.id, title: 't' } });
  const accepted = await engine.accept(user.id, { threadId: thread.id, text: 'How can we cut cost?', clientMessageId: 'c1' });
  if (accepted.kind !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(accepted)}`);
  return { runId: accepted.runId, threadId: thread.id, userId: user.id, acceptedAt: Date.now() };
}

async function threadEvents(threadId: string): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const json of events.replay(threadId, null)) out.push(JSON.parse(json) as RunEvent);
  return out;
}

/** The run's step updates as `agent status`, in the order they were announced. */
function stepUpdates(log: RunEvent[]): string[] {
  return log.flatMap((e) => (e.type === 'sub_agent_update' ? [`${e.agent} ${e.status}`] : []));
}

describe('RunProcessor', () => {
  it('runs the pipeline: every step written and announced in order, optimization with actions', async () => {
    const job = await acceptedRun();
    expect(await processor().process(job, job.runId, new AbortController().signal)).toBe('completed');

    const steps = await db.runStep.findMany({ where: { runId: job.runId }, orderBy: { position: 'asc' } });
    expect(steps.map((s) => [s.agent, s.status, s.attempt])).toEqual(PIPELINE.map((a) => [a.name, 'completed', 1]));
    for (const step of steps) {
      expect(step.output).not.toBeNull();
      expect(step.finishedAt!.getTime()).toBeGreaterThanOrEqual(step.startedAt.getTime());
    }
    // Actions' row was written once, already completed, with what it worked from.
    expect(steps.find((s) => s.agent === 'actions')?.input).toEqual({ recommendations: expect.any(Array) });

    const log = await threadEvents(job.threadId);
    expect(log[0]?.type).toBe('agent_started');
    expect(stepUpdates(log)).toEqual(PIPELINE.flatMap((a) => [`${a.name} running`, `${a.name} completed`]));
    expect(log[log.length - 1]?.type).toBe('agent_completed');
    expect((await db.run.findUniqueOrThrow({ where: { id: job.runId } })).status).toBe('completed');
  });

  it('an agent failing after one whose checkpoint was waiting writes that checkpoint first, then its failure', async () => {
    const job = await acceptedRun();
    const actions = PIPELINE.find((agent): agent is Agent<'actions'> => agent.name === 'actions');
    if (!actions) throw new Error('the pipeline has no actions agent');
    const broken: Agent<'actions'> = { ...actions, run: () => Promise.reject(new Error('no plan today')) };
    const failing = PIPELINE.map((agent): AnyAgent => (agent.name === 'actions' ? broken : agent));
    await expect(processor(failing).process(job, job.runId, new AbortController().signal)).rejects.toBeInstanceOf(AgentFailedError);

    const steps = await db.runStep.findMany({ where: { runId: job.runId }, orderBy: { position: 'asc' } });
    expect(steps.map((s) => [s.agent, s.status])).toEqual([
      ['triage', 'completed'],
      ['data', 'completed'],
      ['optimization', 'completed'],
      ['actions', 'failed'],
    ]);
    expect(steps[3]?.error).toMatchObject({ message: 'no plan today' });

    const log = await threadEvents(job.threadId);
    expect(stepUpdates(log)).toEqual([
      'triage running',
      'triage completed',
      'data running',
      'data completed',
      'optimization running',
      'optimization completed',
      'actions running',
      'actions failed',
    ]);
    expect(log[log.length - 1]).toMatchObject({ type: 'agent_failed', error: { code: 'agent_failed', message: 'actions: no plan today' } });
    expect((await db.run.findUniqueOrThrow({ where: { id: job.runId } })).status).toBe('failed');
  });
});

import { Report, type IngestResult, type ModelList, type Thread } from '@netra/contracts';
import type { DataOutput, OptimizationOutput, TriageOutput } from '@netra/agents';
import { Stack, waitForRunStatus } from '../support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start('agents');
});

afterAll(async () => {
  await stack?.stop();
});

const HOUR = 3_600_000;
const hash = (n: number) => n.toString(16).padStart(64, '0');

/**
 * A known workload in the 6 days before now: a chat app on gpt-4o with half its prompts asked twice, a RAG app
 * on claude-sonnet-4-5 with long prompts, and a nightly job on gpt-4o at 02:00 UTC tagged as batch work.
 */
function dataset(now: number) {
  const events: Record<string, unknown>[] = [];
  const day0 = Math.floor((now - 6 * 24 * HOUR) / (24 * HOUR)) * 24 * HOUR;
  for (let i = 0; i < 200; i++) {
    events.push({
      id: `chat-${i}`,
      timestamp: new Date(now - 5 * 24 * HOUR + i * 30 * 60_000).toISOString(),
      app: 'support',
      model: 'gpt-4o',
      promptTokens: 1_000,
      completionTokens: 300,
      latencyMs: 1_000 + (i % 10) * 100,
      ttftMs: 300,
      status: i % 40 === 0 ? 'error' : 'ok',
      promptHash: hash(i < 100 ? i % 50 : 1_000 + i),
    });
  }
  for (let i = 0; i < 100; i++) {
    events.push({
      id: `rag-${i}`,
      timestamp: new Date(now - 4 * 24 * HOUR + i * 45 * 60_000).toISOString(),
      app: 'rag',
      model: 'claude-sonnet-4-5',
      promptTokens: 4_000,
      completionTokens: 400,
      latencyMs: 2_500 + (i % 7) * 200,
      status: 'ok',
      promptHash: hash(5_000 + i),
    });
  }
  for (let d = 1; d <= 5; d++) {
    for (let i = 0; i < 12; i++) {
      events.push({
        id: `nightly-${d}-${i}`,
        timestamp: new Date(day0 + d * 24 * HOUR + 2 * HOUR + i * 60_000).toISOString(),
        app: 'nightly',
        model: 'gpt-4o',
        promptTokens: 1_500,
        completionTokens: 600,
        latencyMs: 4_000,
        status: 'ok',
        promptHash: hash(9_000 + d * 100 + i),
        metadata: { workload: 'batch' },
      });
    }
  }
  return events;
}

async function ask(subject: string, threadId: string, text: string): Promise<{ runId: string; report: Report }> {
  const api = await stack.api(subject);
  const posted = await api.post<{ runId: string }>(`/api/v1/threads/${threadId}/messages`, { text });
  expect(posted.status).toBe(202);
  expect(await waitForRunStatus(stack.db, posted.body.runId)).toBe('completed');
  const run = await api.get<{ report: unknown }>(`/api/v1/runs/${posted.body.runId}`);
  return { runId: posted.body.runId, report: Report.parse(run.body.report) };
}

async function stepOutput<T>(runId: string, agent: string): Promise<T> {
  const step = await stack.db.runStep.findUniqueOrThrow({ where: { runId_agent: { runId, agent } } });
  return step.output as T;
}

describe('reports built from the user\'s data', () => {
  it('reports numbers that equal SQL over the same window, and savings reproducible from the catalog', async () => {
    const api = await stack.api('analyst');
    const ingest = await api.post<IngestResult>('/api/v1/usage-events', { events: dataset(Date.now()) });
    expect(ingest.body).toMatchObject({ accepted: 360, rejected: 0 });
    const thread = (await api.post<Thread>('/api/v1/threads', { title: 'cost' })).body;

    const { runId, report } = await ask('analyst', thread.id, 'How can I cut my LLM cost over the last 7 days?');
    const user = await stack.db.user.findUniqueOrThrow({ where: { subject: 'analyst' } });
    const from = new Date(report.window.from);
    const to = new Date(report.window.to);
    expect(to.getTime() - from.getTime()).toBe(7 * 24 * HOUR);

    // currentState equals SQL over the window.
    const byModel = await stack.db.$queryRaw<{ model: string; requests: number; cost: number }[]>`
      SELECT model, count(*)::int AS requests, sum(cost_usd)::float8 AS cost FROM usage_events
       WHERE user_id = ${user.id}::uuid AND ts >= ${from} AND ts < ${to} GROUP BY model ORDER BY cost DESC`;
    const sqlRequests = byModel.reduce((s, m) => s + m.requests, 0);
    const sqlCost = byModel.reduce((s, m) => s + m.cost, 0);
    expect(report.dataAvailable).toBe(true);
    expect(report.currentState.requests).toBe(sqlRequests);
    expect(sqlRequests).toBe(360);
    expect(report.currentState.totalCostUsd).toBeCloseTo(sqlCost, 8);
    expect(report.currentState.byModel[0]?.model).toBe(byModel[0]?.model);
    expect(report.currentState.byModel.map((m) => [m.model, m.requests])).toEqual(byModel.map((m) => [m.model, m.requests]));
    expect(report.currentState.errorRate).toBeCloseTo(5 / 360, 10);
    expect(report.generatedBy).toEqual({ provider: 'local', model: 'local', fallback: false });
    expect(report.summary).toContain('360 LLM requests');

    // Recommendations are ranked by savings, and each routing saving is reproducible from SQL and the catalog.
    const savings = report.recommendations.map((r) => r.estimatedMonthlySavingsUsd);
    expect([...savings].sort((a, b) => b - a)).toEqual(savings);
    expect(new Set(report.recommendations.map((r) => r.strategy))).toEqual(new Set(['model_routing', 'caching', 'prompt_caching', 'batching', 'prompt_trimming']));
    const data = await stepOutput<DataOutput>(runId, 'data');
    const optimization = await stepOutput<OptimizationOutput>(runId, 'optimization');
    const catalog = (await api.get<ModelList>('/api/v1/models')).body.data;
    expect(optimization.routing.length).toBeGreaterThan(0);
    for (const option of optimization.routing) {
      const [w] = await stack.db.$queryRaw<{ prompt: number; completion: number; cost: number }[]>`
        SELECT sum(prompt_tokens)::float8 AS prompt, sum(completion_tokens)::float8 AS completion, sum(cost_usd)::float8 AS cost
          FROM usage_events WHERE user_id = ${user.id}::uuid AND ts >= ${from} AND ts < ${to} AND app = ${option.app} AND model = ${option.fromModel}`;
      const target = catalog.find((m) => m.model === option.toModel)!;
      const current = catalog.find((m) => m.model === option.fromModel)!;
      const projected = (w!.prompt * target.inputPricePerMTok + w!.completion * target.outputPricePerMTok) / 1e6;
      expect(option.projectedCostUsd).toBeCloseTo(projected, 8);
      expect(option.savingsUsd).toBeCloseTo(w!.cost - projected, 8);
      expect(target.qualityScore).toBeGreaterThanOrEqual(current.qualityScore - 3);
      // The cheapest qualifying model: no catalog model meeting the floor and ceiling is cheaper on these tokens.
      for (const m of catalog) {
        const ok = m.qualityScore >= option.qualityFloor && (option.latencyCeilingMs === null || m.typicalLatencyMs === null || m.typicalLatencyMs <= option.latencyCeilingMs) && m.model !== option.fromModel;
        if (ok) expect((w!.prompt * m.inputPricePerMTok + w!.completion * m.outputPricePerMTok) / 1e6).toBeGreaterThanOrEqual(projected - 1e-12);
      }
      const rec = report.recommendations.find((r) => r.title === `Route ${option.app} from ${option.fromModel} to ${option.toModel}`);
      expect(rec?.estimatedMonthlySavingsUsd).toBeCloseTo(((w!.cost - projected) / data.observedDays) * 30, 2);
    }

    // Caching: 50 of support's 200 prompts were repeats, each at gpt-4o's price for 1,000 + 300 tokens.
    const caching = report.recommendations.find((r) => r.strategy === 'caching');
    expect(caching?.title).toBe('Cache repeated prompts of support');
    const perCall = (1_000 * 2.5 + 300 * 10) / 1e6;
    expect(caching?.estimatedMonthlySavingsUsd).toBeCloseTo(((50 * perCall) / data.observedDays) * 30, 2);
    // Batching: the nightly job at half price.
    const batching = report.recommendations.find((r) => r.strategy === 'batching');
    expect(batching?.title).toBe('Send nightly through a batch API');
    expect(batching?.estimatedMonthlySavingsUsd).toBeCloseTo(((60 * ((1_500 * 2.5 + 600 * 10) / 1e6) * 0.5) / data.observedDays) * 30, 2);

    // A concrete plan: baseline first, each change with validation and rollback.
    expect(report.actions[0]?.title).toBe('Record the baseline');
    expect(report.actions.filter((a) => a.rollback).length).toBe(report.recommendations.length);
    expect(report.projected?.monthlySavingsUsd).toBeGreaterThan(0);

    // A follow-up builds on it: same window, traffic doubled.
    const followUp = await ask('analyst', thread.id, 'and what if traffic doubles?');
    const triage = await stepOutput<TriageOutput>(followUp.runId, 'triage');
    expect(triage).toMatchObject({ followUp: true, growthPct: 100, window: report.window });
    expect(followUp.report.window).toEqual(report.window);
    expect(followUp.report.currentState.totalCostUsd).toBeCloseTo(report.currentState.totalCostUsd, 10);
    const growth = (await stepOutput<OptimizationOutput>(followUp.runId, 'optimization')).growth;
    expect(growth?.projectedMonthlyCostUsd).toBeCloseTo(2 * growth!.monthlyCostUsd, 8);
    expect(followUp.report.summary).toMatch(/What if traffic grows 100%/);
    expect(followUp.report.summary).toMatch(/previous report/);
    expect(followUp.report.kpis.some((k) => k.name === 'Monthly LLM cost at +100% traffic')).toBe(true);
  });

  it('gives an empty workspace a useful answer: what to send, how, and what will be computed', async () => {
    const api = await stack.api('newcomer');
    const thread = (await api.post<Thread>('/api/v1/threads', {})).body;
    const { report } = await ask('newcomer', thread.id, 'Which model should we switch to?');
    expect(report.dataAvailable).toBe(false);
    expect(report.intent).toBe('model_selection');
    expect(report.recommendations).toEqual([]);
    expect(report.summary).toMatch(/usage-events/);
    expect(report.summary).toMatch(/promptHash/);
    expect(report.actions.map((a) => a.kind)).toEqual(['data', 'data']);
    expect(report.actions[1]?.detail).toMatch(/synthetic/);

    // The same question again after an import, to the same worker: the worker keeps the agents' rollup reads per
    // usage revision, and the import moved the revision, so the answer is about the data now there — then a
    // deletion of the rollups (as a rebuild does) moves it again.
    const user = await stack.db.user.findUniqueOrThrow({ where: { subject: 'newcomer' } });
    const revision = async () => (await stack.db.usageChange.findFirst({ where: { userId: user.id }, orderBy: { seq: 'desc' } }))?.seq ?? 0n;
    expect(await revision()).toBe(0n);
    expect((await api.post<IngestResult>('/api/v1/usage-events', { events: dataset(Date.now()) })).body).toMatchObject({ accepted: 360 });
    const imported = await revision();
    expect(imported).toBeGreaterThan(0n);
    const again = await ask('newcomer', thread.id, 'Which model should we switch to?');
    expect(again.report.dataAvailable).toBe(true);
    expect(again.report.currentState.requests).toBe(360);
    await stack.db.$executeRaw`DELETE FROM usage_rollups WHERE user_id = ${user.id}::uuid`;
    expect(await revision()).toBeGreaterThan(imported);
    // Only the newest change of a user is kept (older ones are dropped as new ones come).
    expect(await stack.db.usageChange.count({ where: { userId: user.id } })).toBe(1);
  });

  it('finds the anomalous days of the synthetic workload', async () => {
    const api = await stack.api('demo');
    const generated = await api.post<{ window: { from: string; to: string } }>('/api/v1/usage-events/synthetic', { days: 60, requestsPerDay: 150, seed: 3 });
    expect(generated.status).toBe(201);
    const thread = (await api.post<Thread>('/api/v1/threads', {})).body;
    const { runId, report } = await ask('demo', thread.id, 'Give me an overview of our workload over the last 2 months, any anomalies?');
    const data = await stepOutput<DataOutput>(runId, 'data');
    expect(report.intent).toBe('monitoring');
    expect(data.anomalies.length).toBeGreaterThan(0);
    expect(report.currentState.byModel.length).toBeGreaterThanOrEqual(5);
    expect(report.recommendations.length).toBeGreaterThan(2);
  });
});

import { Report, type MessageAcceptedFrame, type Thread } from '@netra/contracts';
import type { DataOutput, OptimizationOutput, TriageOutput } from '@netra/agents';
import { seededRandom } from '@netra/usage';
import { Stack, waitForRunStatus } from '../support/stack.js';

/**
 * The question suite: a workspace with four apps of known character, asked 26 questions. Per question: the intent
 * and scope, the lead finding against exact SQL over the events, the plan's shape (different intents lead with
 * different recommendations, nothing immaterial in it), and unknown names said to be unknown.
 *
 * - support-chat (gpt-4o 70 %, gpt-4o-mini 30 %): chatty, short prompts, streamed, half its prompts repeated;
 * - docs-rag (claude-sonnet-4-5): streamed, slow because of long outputs (first token ~400 ms, 600–2,500 tokens);
 * - tiny-tool (gpt-4.1-mini): 30 calls a day and an error burst on one day (20 failures);
 * - nightly-batch (gpt-4o): 01:00–03:00 UTC, tagged batch, not streamed;
 * - netra: Netra's own calls, which no analysis includes unless asked.
 * Metadata `team`: support, search, core, data.
 */
let stack: Stack;
let userId: string;
const DAY = 86_400_000;
const DAYS = 14;
const today = Math.floor(Date.now() / DAY) * DAY;
const BURST_DAY = new Date(today - 5 * DAY).toISOString().slice(0, 10);

const hash = (n: number) => n.toString(16).padStart(64, 'a');

function workload(): Record<string, unknown>[] {
  const r = seededRandom(11);
  const events: Record<string, unknown>[] = [];
  for (let d = DAYS; d >= 1; d--) {
    const day = today - d * DAY;
    const iso = new Date(day).toISOString().slice(0, 10);
    for (let i = 0; i < 120; i++) {
      const completion = 80 + Math.floor(r() * 220);
      events.push({
        id: `chat-${d}-${i}`, timestamp: new Date(day + 8 * 3_600_000 + i * 240_000).toISOString(), app: 'support-chat', model: i % 10 < 7 ? 'gpt-4o' : 'gpt-4o-mini',
        promptTokens: 600 + Math.floor(r() * 400), completionTokens: completion, latencyMs: 300 + completion * 8 + Math.floor(r() * 300), ttftMs: 250 + Math.floor(r() * 150),
        status: r() < 0.01 ? 'error' : 'ok', promptHash: hash(i % 2 === 0 ? i % 20 : 10_000 + d * 1_000 + i), metadata: { team: 'support' },
      });
    }
    for (let i = 0; i < 40; i++) {
      const completion = 600 + Math.floor(r() * 1_900);
      events.push({
        id: `rag-${d}-${i}`, timestamp: new Date(day + 9 * 3_600_000 + i * 600_000).toISOString(), app: 'docs-rag', model: 'claude-sonnet-4-5',
        promptTokens: 3_000 + Math.floor(r() * 1_000), completionTokens: completion, latencyMs: 400 + completion * 12 + Math.floor(r() * 200), ttftMs: 350 + Math.floor(r() * 100),
        status: 'ok', promptHash: hash(50_000 + d * 1_000 + i), metadata: { team: 'search' },
      });
    }
    const tinyErrors = iso === BURST_DAY ? 20 : 0;
    for (let i = 0; i < 30; i++) {
      events.push({
        id: `tiny-${d}-${i}`, timestamp: new Date(day + 12 * 3_600_000 + i * 60_000).toISOString(), app: 'tiny-tool', model: 'gpt-4.1-mini',
        promptTokens: 300, completionTokens: 50, latencyMs: 700 + i * 10, status: i < tinyErrors ? 'error' : 'ok', metadata: { team: 'core' },
      });
    }
    for (let i = 0; i < 30; i++) {
      events.push({
        id: `batch-${d}-${i}`, timestamp: new Date(day + 3_600_000 + i * 200_000).toISOString(), app: 'nightly-batch', model: 'gpt-4o',
        promptTokens: 1_500, completionTokens: 600, latencyMs: 6_000 + i * 20, status: 'ok', promptHash: hash(90_000 + d * 100 + i), metadata: { team: 'data', workload: 'batch' },
      });
    }
    for (let i = 0; i < 5; i++) {
      events.push({
        id: `netra-${d}-${i}`, timestamp: new Date(day + 15 * 3_600_000 + i * 60_000).toISOString(), app: 'netra', model: 'gpt-4o-mini',
        promptTokens: 900, completionTokens: 200, latencyMs: 900, status: 'ok',
      });
    }
  }
  return events;
}

beforeAll(async () => {
  stack = await Stack.start('questions');
  const api = await stack.api('manager');
  const events = workload();
  for (let i = 0; i < events.length; i += 2_000) {
    const res = await api.post<{ accepted: number }>('/api/v1/usage-events', { events: events.slice(i, i + 2_000) });
    expect(res.status).toBe(200);
  }
  userId = (await stack.db.user.findUniqueOrThrow({ where: { subject: 'manager' } })).id;
});

afterAll(async () => {
  await stack?.stop();
});

interface Answer {
  report: Report;
  triage: TriageOutput;
  data: DataOutput;
  optimization: OptimizationOutput;
}

async function ask(text: string): Promise<Answer> {
  const api = await stack.api('manager');
  const thread = (await api.post<Thread>('/api/v1/threads', { title: text.slice(0, 60) })).body;
  const posted = await api.post<{ runId: string }>(`/api/v1/threads/${thread.id}/messages`, { text });
  expect(posted.status).toBe(202);
  expect(await waitForRunStatus(stack.db, posted.body.runId)).toBe('completed');
  const run = await api.get<{ report: unknown }>(`/api/v1/runs/${posted.body.runId}`);
  const step = async <T>(agent: string) => (await stack.db.runStep.findUniqueOrThrow({ where: { runId_agent: { runId: posted.body.runId, agent } } })).output as T;
  return { report: Report.parse(run.body.report), triage: await step<TriageOutput>('triage'), data: await step<DataOutput>('data'), optimization: await step<OptimizationOutput>('optimization') };
}

/** Exact SQL over the events of a report's window (Netra's own calls excluded unless `withNetra`). */
async function sqlOf(report: Report, where: { app?: string; model?: string; team?: string; withNetra?: boolean } = {}) {
  const [row] = await stack.db.$queryRaw<{ requests: number; cost: number; errors: number; p95: number | null }[]>`
    SELECT count(*)::int AS requests, coalesce(sum(cost_usd), 0)::float8 AS cost, (count(*) FILTER (WHERE status = 'error'))::int AS errors,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
      FROM usage_events
     WHERE user_id = ${userId}::uuid AND ts >= ${new Date(report.window.from)} AND ts < ${new Date(report.window.to)}
       AND (${where.app ?? null}::text IS NULL OR app = ${where.app ?? null})
       AND (${where.model ?? null}::text IS NULL OR model = ${where.model ?? null})
       AND (${where.team ?? null}::text IS NULL OR metadata->>'team' = ${where.team ?? null})
       AND (${where.withNetra ?? false} OR app <> 'netra')`;
  return row!;
}

async function costByApp(report: Report): Promise<{ app: string; cost: number }[]> {
  return stack.db.$queryRaw<{ app: string; cost: number }[]>`
    SELECT app, sum(cost_usd)::float8 AS cost FROM usage_events
     WHERE user_id = ${userId}::uuid AND ts >= ${new Date(report.window.from)} AND ts < ${new Date(report.window.to)} AND app <> 'netra'
     GROUP BY app ORDER BY cost DESC`;
}

/** The plan holds nothing under max($1, 0.5 % of monthly spend) among the savings strategies, and never Netra's app. */
function expectMaterialPlan(a: Answer): void {
  const bar = Math.max(1, a.optimization.monthlyCostUsd * 0.005);
  for (const r of a.report.recommendations) {
    if (['model_routing', 'caching', 'batching', 'prompt_trimming'].includes(r.strategy)) expect(r.estimatedMonthlySavingsUsd).toBeGreaterThanOrEqual(bar);
    expect(r.app).not.toBe('netra');
  }
  for (const r of a.report.minorRecommendations) expect(r.estimatedMonthlySavingsUsd).toBeLessThan(bar);
  const savings = a.report.recommendations.map((r) => r.estimatedMonthlySavingsUsd);
  expect([...savings].sort((x, y) => y - x)).toEqual(savings);
}

const firstSentence = (r: Report) => r.summary.split('\n')[0]!;

describe('questions and the answers that fit them', () => {
  const answers = new Map<string, Answer>();
  const get = async (q: string) => {
    if (!answers.has(q)) answers.set(q, await ask(q));
    return answers.get(q)!;
  };

  it('"How do I cut my LLM cost?": cost intent, spend led by the most expensive app, a material plan, no Netra', async () => {
    const a = await get('How do I cut my LLM cost?');
    expect(a.report.intent).toBe('cost_optimization');
    expect(a.report.scope).toEqual({ apps: [], models: [], dimensions: {} });
    const exact = await sqlOf(a.report);
    expect(a.report.currentState.requests).toBe(exact.requests);
    expect(a.report.currentState.totalCostUsd).toBeCloseTo(exact.cost, 8);
    const [top] = await costByApp(a.report);
    expect(a.report.findings[0]).toMatchObject({ metric: 'costUsd', app: top!.app });
    expect(a.report.findings[0]!.value).toBeCloseTo(top!.cost, 2);
    expect(firstSentence(a.report)).toMatch(/a month on LLM calls/);
    expect(a.data.byApp.map((x) => x.app)).not.toContain('netra');
    expect(a.report.recommendations.length).toBeGreaterThan(0);
    expectMaterialPlan(a);
  });

  it('"Which app costs most?": leads with the app SQL says costs most', async () => {
    const a = await get('Which app costs most?');
    const [top] = await costByApp(a.report);
    expect(a.triage.focus).toBe('attribution');
    expect(firstSentence(a.report)).toMatch(new RegExp(`^\`${top!.app}\` costs the most`));
    expect(a.report.findings[0]!.value).toBeCloseTo(top!.cost, 2);
  });

  it('"How much would caching save us?": leads with the repeat share, support-chat first', async () => {
    const a = await get('How much would caching save us?');
    expect(a.triage.focus).toBe('caching');
    const [exact] = await stack.db.$queryRaw<{ share: number }[]>`
      SELECT (count(prompt_hash) - count(DISTINCT (app, model, prompt_hash)))::float8 / count(*) AS share FROM usage_events
       WHERE user_id = ${userId}::uuid AND ts >= ${new Date(a.report.window.from)} AND ts < ${new Date(a.report.window.to)} AND app <> 'netra'`;
    expect(a.data.duplicatePrompts.share).toBeCloseTo(exact!.share, 2);
    expect(a.report.findings[0]).toMatchObject({ metric: 'repeatShare', app: 'support-chat' });
    expect(firstSentence(a.report)).toMatch(/repeat an earlier prompt exactly/);
    expect(a.report.recommendations[0]?.strategy === 'caching' || a.report.recommendations.some((r) => r.strategy === 'caching')).toBe(true);
  });

  it('"What does each team spend?": cost by team from the dimension rollups equals SQL', async () => {
    const a = await get('What does each team spend? Break it down by team');
    expect(a.report.intent).toBe('cost_optimization');
    const teams = await stack.db.$queryRaw<{ team: string; cost: number }[]>`
      SELECT metadata->>'team' AS team, sum(cost_usd)::float8 AS cost FROM usage_events
       WHERE user_id = ${userId}::uuid AND ts >= ${new Date(a.report.window.from)} AND ts < ${new Date(a.report.window.to)} AND metadata ? 'team'
       GROUP BY 1 ORDER BY 2 DESC`;
    expect(a.triage.attributeBy).toBe('team');
    expect(firstSentence(a.report)).toMatch(new RegExp(`^By team, \`${teams[0]!.team}\` spends the most`));
    const finding = a.report.findings[0]!;
    expect(finding.dimension).toEqual({ key: 'team', value: teams[0]!.team });
    expect(finding.value).toBeCloseTo(teams[0]!.cost, 2);
  });

  it('"Cost for team search": the scope is a dimension value and the totals are that team\'s', async () => {
    const a = await get('What is the cost for the search team?');
    expect(a.report.scope?.dimensions).toEqual({ team: ['search'] });
    const exact = await sqlOf(a.report, { team: 'search' });
    expect(a.report.currentState.requests).toBe(exact.requests);
    expect(a.report.currentState.totalCostUsd).toBeCloseTo(exact.cost, 8);
  });

  it('"Why is my p95 latency high for support-chat?": scoped to support-chat, p95 against SQL, cause named', async () => {
    const a = await get('Why is my p95 latency high for support-chat?');
    expect(a.report.intent).toBe('latency_optimization');
    expect(a.report.scope?.apps).toEqual(['support-chat']);
    const exact = await sqlOf(a.report, { app: 'support-chat' });
    expect(a.report.currentState.requests).toBe(exact.requests);
    const lead = a.report.findings.find((f) => f.app === 'support-chat' && f.metric === 'p95LatencyMs')!;
    expect(Math.abs(lead.value - exact.p95!)).toBeLessThanOrEqual(exact.p95! * 0.045);
    expect(firstSentence(a.report)).toMatch(/^`support-chat`'s p95 latency is/);
    // Compared with the whole workspace, whose tail is docs-rag's and nightly-batch's.
    const all = await sqlOf(a.report);
    expect(a.data.overall?.p95LatencyMs).toBeGreaterThan(0);
    expect(Math.abs(a.data.overall!.p95LatencyMs - all.p95!)).toBeLessThanOrEqual(all.p95! * 0.045);
    expect(firstSentence(a.report)).toMatch(/below the overall .*`docs-rag`/);
    expect(a.data.latency?.find((p) => p.app === 'support-chat' && p.model === null)?.ttftP95Ms).not.toBeNull();
  });

  it('"Why is docs-rag so slow?": generation length, an output cap for docs-rag, no cost routing', async () => {
    const a = await get('Why is docs-rag so slow?');
    const profile = a.data.latency?.find((p) => p.app === 'docs-rag' && p.model === null);
    expect(profile?.cause).toBe('generation_length');
    expect(firstSentence(a.report)).toMatch(/long outputs/);
    expect(a.report.recommendations[0]).toMatchObject({ strategy: 'output_cap', app: 'docs-rag', model: 'claude-sonnet-4-5' });
    expect(a.report.recommendations.some((r) => r.strategy === 'caching' || r.strategy === 'batching')).toBe(false);
    expect(a.report.recommendations[0]!.latencyImpactPct).toBeLessThan(0);
  });

  it('"Is support-chat under 2 s at p95?": the target is checked against the data', async () => {
    const a = await get('Is support-chat under 2 s at p95?');
    expect(a.triage.constraints.maxLatencyMs).toBe(2_000);
    const exact = await sqlOf(a.report, { app: 'support-chat' });
    expect(firstSentence(a.report)).toMatch(exact.p95! <= 2_000 ? /target is met/ : /target is missed/);
  });

  it('"What is the TTFT of support-chat?": time to first token p95 against SQL', async () => {
    const a = await get('What is the time to first token (TTFT) of support-chat?');
    const [exact] = await stack.db.$queryRaw<{ p95: number }[]>`
      SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY ttft_ms) AS p95 FROM usage_events
       WHERE user_id = ${userId}::uuid AND app = 'support-chat' AND ts >= ${new Date(a.report.window.from)} AND ts < ${new Date(a.report.window.to)}`;
    const finding = a.report.findings.find((f) => f.metric === 'ttftP95Ms' && f.app === 'support-chat')!;
    expect(Math.abs(finding.value - exact!.p95)).toBeLessThanOrEqual(exact!.p95 * 0.045);
  });

  it('"What is my error rate trend?": error intent, the rate equals SQL, tiny-tool\'s burst day named', async () => {
    const a = await get('What is my error rate trend?');
    expect(a.report.intent).toBe('error_analysis');
    const exact = await sqlOf(a.report);
    expect(a.report.currentState.errorRate).toBeCloseTo(exact.errors / exact.requests, 10);
    const tiny = a.report.findings.find((f) => f.app === 'tiny-tool')!;
    expect(tiny.detail).toContain(BURST_DAY);
    expect(a.report.recommendations.every((r) => r.strategy === 'retry_reduction')).toBe(true);
    expect(a.report.recommendations.some((r) => r.app === 'tiny-tool')).toBe(true);
  });

  it('"Why are calls failing in tiny-tool?": scoped, the failures counted exactly', async () => {
    const a = await get('Why are calls failing in tiny-tool?');
    expect(a.report.scope?.apps).toEqual(['tiny-tool']);
    const exact = await sqlOf(a.report, { app: 'tiny-tool' });
    expect(Math.round(a.report.currentState.errorRate * a.report.currentState.requests)).toBe(exact.errors);
    expect(firstSentence(a.report)).toMatch(/`tiny-tool`/);
  });

  it('"What happens to cost if traffic doubles?": the scenario, with peaks and the plan', async () => {
    const a = await get('What happens to cost if traffic doubles?');
    expect(a.triage.growthPct).toBe(100);
    expect(a.report.forecast).toMatchObject({ scenarioGrowthPct: 100, horizonDays: 30 });
    expect(a.report.forecast!.scenarioUsd).toBeCloseTo(a.report.forecast!.projectedUsd * 2, 1);
    expect(firstSentence(a.report)).toMatch(/^If traffic grows 100 %/);
    expect(a.optimization.growth?.byModel.length).toBeGreaterThan(0);
  });

  it('"Forecast next month\'s spend": a forecast with an interval around it', async () => {
    const a = await get("Forecast next month's spend");
    expect(a.report.intent).toBe('forecast');
    const f = a.report.forecast!;
    expect(f.lowUsd).toBeLessThanOrEqual(f.projectedUsd);
    expect(f.highUsd).toBeGreaterThanOrEqual(f.projectedUsd);
    // 14 days observed: the baseline is their spend scaled to 30 days.
    const exact = await sqlOf(a.report);
    expect(f.baselineUsd).toBeCloseTo((exact.cost / DAYS) * 30, 0);
    expect(firstSentence(a.report)).toMatch(/next 30 days should cost/);
  });

  it('"Compare gpt-4o and gpt-4o-mini": the two side by side, figures from SQL', async () => {
    const a = await get('Compare gpt-4o and gpt-4o-mini on our traffic');
    expect(a.report.intent).toBe('model_selection');
    expect(a.report.scope?.models).toEqual(['gpt-4o', 'gpt-4o-mini']);
    expect(a.report.comparison?.map((r) => r.model).sort()).toEqual(['gpt-4o', 'gpt-4o-mini']);
    for (const row of a.report.comparison!) {
      const exact = await sqlOf(a.report, { model: row.model });
      expect(row.requests).toBe(exact.requests);
      expect(row.costPer1kRequestsUsd!).toBeCloseTo((exact.cost / exact.requests) * 1_000, 6);
    }
    expect(firstSentence(a.report)).toMatch(/per 1,000 requests/);
  });

  it('"Should we switch to gemini-2.5-flash?": a catalog model compared though unused', async () => {
    const a = await get('Should we switch to gemini-2.5-flash?');
    expect(a.report.intent).toBe('model_selection');
    expect(a.report.scope?.unknown ?? []).toEqual([]);
    expect(a.report.comparison?.find((r) => r.model === 'gemini-2.5-flash')).toMatchObject({ inData: false, requests: 0 });
    expect(firstSentence(a.report)).toMatch(/^`gemini-2.5-flash` is not in your traffic yet/);
  });

  it('"Any anomalies?": each with the app that drove it (tiny-tool\'s error burst)', async () => {
    const a = await get('Any anomalies or spikes in the last 2 weeks?');
    expect(a.report.intent).toBe('monitoring');
    const burst = a.data.anomalyCauses?.find((c) => c.metric === 'errorRate' && c.day === BURST_DAY);
    expect(burst?.app).toBe('tiny-tool');
  });

  it('"Give me an overview": totals equal SQL, led by them', async () => {
    const a = await get('Give me an overview of our usage');
    expect(a.report.intent).toBe('workload_analysis');
    const exact = await sqlOf(a.report);
    expect(a.report.findings[0]).toMatchObject({ metric: 'requests', value: exact.requests });
    expect(firstSentence(a.report)).toContain(exact.requests.toLocaleString('en-US'));
  });

  it('"How much does billing-bot cost?": an unknown app is answered as unknown, with the real apps, and no plan', async () => {
    const a = await get('How much does billing-bot cost?');
    expect(a.report.scope?.unknown).toEqual(['billing-bot']);
    expect(a.report.recommendations).toEqual([]);
    expect(firstSentence(a.report)).toMatch(/no usage data for `billing-bot`/);
    expect(firstSentence(a.report)).toContain('`support-chat`');
  });

  it('"What is the latency of gpt-5-turbo-preview?": an unknown model likewise', async () => {
    const a = await get('What is the latency of gpt-5-turbo-preview?');
    expect(a.report.scope?.unknown).toEqual(['gpt-5-turbo-preview']);
    expect(a.report.recommendations).toEqual([]);
  });

  it('names match whatever their case and separators: "Support_Chat"', async () => {
    const a = await get('How much does Support_Chat cost?');
    expect(a.report.scope?.apps).toEqual(['support-chat']);
    const exact = await sqlOf(a.report, { app: 'support-chat' });
    expect(a.report.currentState.totalCostUsd).toBeCloseTo(exact.cost, 8);
  });

  it('a dated model name matches its family: "gpt-4o-2024-08-06" → gpt-4o', async () => {
    const a = await get('What does gpt-4o-2024-08-06 cost us?');
    expect(a.report.scope?.models).toEqual(['gpt-4o']);
    expect(a.report.scope?.unknown ?? []).toEqual([]);
  });

  it('"gpt-4o-mini" is not also "gpt-4o"', async () => {
    const a = await get('What does gpt-4o-mini cost us?');
    expect(a.report.scope?.models).toEqual(['gpt-4o-mini']);
    const exact = await sqlOf(a.report, { model: 'gpt-4o-mini' });
    expect(a.report.currentState.requests).toBe(exact.requests);
  });

  it('Netra\'s own calls are left out, and counted when asked about', async () => {
    const a = await get('How much does the netra app cost?');
    expect(a.report.scope?.apps).toEqual(['netra']);
    const exact = await sqlOf(a.report, { app: 'netra', withNetra: true });
    expect(exact.requests).toBeGreaterThan(0);
    expect(a.report.currentState.requests).toBe(exact.requests);
  });

  it('"How did cost change this week vs last week?": both periods against SQL, the change first', async () => {
    const a = await get('How did our cost change this week vs last week?');
    expect(a.report.intent).toBe('cost_optimization');
    const span = (w: { from: string; to: string }) => (Date.parse(w.to) - Date.parse(w.from)) / DAY;
    expect(span(a.report.window)).toBe(7);
    expect(a.report.previousPeriod?.window.to).toBe(a.report.window.from);
    expect(span(a.report.previousPeriod!.window)).toBe(7);
    const now = await sqlOf(a.report);
    const [before] = await stack.db.$queryRaw<{ cost: number }[]>`
      SELECT coalesce(sum(cost_usd), 0)::float8 AS cost FROM usage_events
       WHERE user_id = ${userId}::uuid AND app <> 'netra' AND ts >= ${new Date(a.report.previousPeriod!.window.from)} AND ts < ${new Date(a.report.previousPeriod!.window.to)}`;
    expect(a.report.previousPeriod!.totalCostUsd).toBeCloseTo(before!.cost, 8);
    expect(a.report.findings[0]).toMatchObject({ metric: 'costUsd' });
    expect(a.report.findings[0]!.value).toBeCloseTo(now.cost, 2);
    expect(firstSentence(a.report)).toMatch(/^Spend is (up|down|flat)/);
  });

  it('"What is our anthropic spend?": a provider stands for its models in the workspace', async () => {
    const a = await get('What is our anthropic spend?');
    expect(a.report.scope?.providers).toEqual(['anthropic']);
    expect(a.report.scope?.models).toEqual(['claude-sonnet-4-5']);
    const exact = await sqlOf(a.report, { model: 'claude-sonnet-4-5' });
    expect(a.report.currentState.totalCostUsd).toBeCloseTo(exact.cost, 8);
  });

  it('different intents lead with different evidence and recommendations', async () => {
    const cost = await get('How do I cut my LLM cost?');
    const latency = await get('Why is docs-rag so slow?');
    const errors = await get('What is my error rate trend?');
    expect(new Set([cost.report.findings[0]?.metric, latency.report.findings[0]?.metric, errors.report.findings[0]?.metric]).size).toBe(3);
    expect(new Set([cost.report.recommendations[0]?.strategy, latency.report.recommendations[0]?.strategy, errors.report.recommendations[0]?.strategy]).size).toBe(3);
    expect(new Set([firstSentence(cost.report), firstSentence(latency.report), firstSentence(errors.report)]).size).toBe(3);
  });

  it('long prompts get provider prompt caching, priced from the catalog with its stated assumptions', async () => {
    const a = await get('How do I cut my LLM cost?');
    const rec = [...a.report.recommendations, ...a.report.minorRecommendations].find((r) => r.strategy === 'prompt_caching' && r.app === 'docs-rag');
    expect(rec?.model).toBe('claude-sonnet-4-5');
    const [w] = await stack.db.$queryRaw<{ prompt: number }[]>`
      SELECT sum(prompt_tokens)::float8 AS prompt FROM usage_events
       WHERE user_id = ${userId}::uuid AND app = 'docs-rag' AND ts >= ${new Date(a.report.window.from)} AND ts < ${new Date(a.report.window.to)}`;
    // Half of the prompt tokens cached at Anthropic's 90 % discount, at claude-sonnet-4-5's $3 per million input.
    expect(rec!.estimatedMonthlySavingsUsd).toBeCloseTo((((w!.prompt * 0.5 * 0.9 * 3) / 1e6) / a.data.observedDays) * 30, 2);
    expect(rec!.assumptions?.join(' ')).toMatch(/stable prefix/);
    // support-chat's prompts are short: no prompt caching there.
    expect(a.report.recommendations.some((r) => r.strategy === 'prompt_caching' && r.app === 'support-chat')).toBe(false);
  });

  it('a cross-provider switch is never rated quality risk "none"', async () => {
    const a = await get('How do I cut my LLM cost?');
    const providers = new Map(a.data.byModel.map((m) => [m.model, m.provider]));
    for (const o of a.optimization.routing) {
      const rec = a.report.recommendations.find((r) => r.title === `Route ${o.app} from ${o.fromModel} to ${o.toModel}`) ?? a.report.minorRecommendations.find((r) => r.title === `Route ${o.app} from ${o.fromModel} to ${o.toModel}`);
      if (providers.get(o.fromModel) !== o.toProvider) expect(rec?.qualityRisk).toBe('unverified');
    }
  });

  it('the plan total explains the overlap when it is less than the items add up to', async () => {
    const a = await get('How do I cut my LLM cost?');
    const sum = a.report.recommendations.reduce((s, r) => s + r.estimatedMonthlySavingsUsd, 0);
    if (sum > (a.report.projected?.monthlySavingsUsd ?? 0) + 0.01) expect(a.report.summary).toMatch(/overlap/);
  });

  it('a resent clientMessageId whose run finished gets message_accepted with the same ids, then the final event again', async () => {
    const api = await stack.api('manager');
    const thread = (await api.post<Thread>('/api/v1/threads', {})).body;
    const first = await stack.ws('manager');
    first.send({ type: 'user_message', threadId: thread.id, text: 'Give me an overview', clientMessageId: 'resend-1' });
    const accepted = await first.next<MessageAcceptedFrame>((f) => f.type === 'message_accepted');
    await first.next((f) => f.type === 'agent_completed' && 'runId' in f && f.runId === accepted.runId);
    first.socket.close();
    // A client that lost the answer and retries from another socket.
    const retry = await stack.ws('manager');
    retry.send({ type: 'user_message', threadId: thread.id, text: 'Give me an overview', clientMessageId: 'resend-1' });
    const again = await retry.next<MessageAcceptedFrame>((f) => f.type === 'message_accepted');
    expect({ runId: again.runId, messageId: again.messageId }).toEqual({ runId: accepted.runId, messageId: accepted.messageId });
    const completed = await retry.next((f) => f.type === 'agent_completed');
    expect('runId' in completed && completed.runId).toBe(accepted.runId);
    retry.socket.close();
    const runs = await stack.db.run.count({ where: { threadId: thread.id } });
    expect(runs).toBe(1);
  });

  it('GET /threads/:id/runs lists a thread\'s runs newest first, with their intent, paginated', async () => {
    const api = await stack.api('manager');
    const thread = (await api.post<Thread>('/api/v1/threads', {})).body;
    const ids: string[] = [];
    for (const text of ['How do I cut my LLM cost?', 'Why is docs-rag so slow?']) {
      const posted = await api.post<{ runId: string }>(`/api/v1/threads/${thread.id}/messages`, { text });
      expect(await waitForRunStatus(stack.db, posted.body.runId)).toBe('completed');
      ids.push(posted.body.runId);
    }
    const page1 = await api.get<{ data: { id: string; intent: string | null; status: string }[]; nextCursor: string | null }>(`/api/v1/threads/${thread.id}/runs?limit=1`);
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((r) => [r.id, r.intent, r.status])).toEqual([[ids[1], 'latency_optimization', 'completed']]);
    const page2 = await api.get<{ data: { id: string; intent: string | null }[]; nextCursor: string | null }>(`/api/v1/threads/${thread.id}/runs?limit=1&cursor=${encodeURIComponent(page1.body.nextCursor!)}`);
    expect(page2.body.data.map((r) => [r.id, r.intent])).toEqual([[ids[0], 'cost_optimization']]);
    expect(page2.body.nextCursor).toBeNull();
    const other = await stack.api('someone-else');
    expect((await other.get(`/api/v1/threads/${thread.id}/runs`)).status).toBe(404);
  });

  it('the agents show their work: tool_call and tool_result events in the run\'s log', async () => {
    const api = await stack.api('manager');
    const thread = (await api.post<Thread>('/api/v1/threads', {})).body;
    const posted = await api.post<{ runId: string }>(`/api/v1/threads/${thread.id}/messages`, { text: 'Why is docs-rag so slow?' });
    expect(await waitForRunStatus(stack.db, posted.body.runId)).toBe('completed');
    const events = await api.get<{ data: { type: string; tool?: string; callId?: string; agent?: string }[] }>(`/api/v1/runs/${posted.body.runId}/events`);
    const calls = events.body.data.filter((e) => e.type === 'tool_call');
    const results = events.body.data.filter((e) => e.type === 'tool_result');
    expect(calls.map((c) => c.tool)).toEqual(expect.arrayContaining(['usage_metrics', 'latency_decomposition']));
    expect(results.map((r) => r.callId).sort()).toEqual(calls.map((c) => c.callId).sort());
    // Each call comes before its result, and both before the agent's completion.
    const types = events.body.data.map((e) => `${e.type}:${e.callId ?? e.agent ?? ''}`);
    for (const c of calls) expect(types.indexOf(`tool_call:${c.callId}`)).toBeLessThan(types.indexOf(`tool_result:${c.callId}`));
  });
});

import { AlertList, ErrorBody, RecommendationList, RecommendationOutcome, StoredRecommendation } from '@netra/contracts';
import { recommendationId } from '@netra/watch';
import type { Api } from '../support/clients.js';
import { Stack, waitForRunStatus } from '../support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start('recommendations', { workers: 1, env: { BUDGET_CHECK_INTERVAL_MS: '1000' } });
});

afterAll(async () => {
  await stack?.stop();
});

const DAY_MS = 86_400_000;
const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
const ADOPTED_DAYS_AGO = 7;
const adoptedAt = new Date(today - ADOPTED_DAYS_AGO * DAY_MS + 12 * 3_600_000);

/** Events of one workload: `perDay` a day over [fromDaysAgo, toDaysAgo], each costing `cost`, with latencies around `latency`. */
function workload(app: string, model: string, fromDaysAgo: number, toDaysAgo: number, perDay: number, cost: number, latency: number, errorEvery = 0) {
  const out = [];
  for (let d = fromDaysAgo; d >= toDaysAgo; d -= 1) {
    for (let i = 0; i < perDay; i += 1) {
      out.push({
        id: `${app}-${model}-${d}-${i}`,
        timestamp: new Date(today - d * DAY_MS + i * 60_000 + 3_600_000).toISOString(),
        app,
        model,
        promptTokens: 2_000,
        completionTokens: 300,
        latencyMs: latency + (i % 10) * 20,
        status: errorEvery > 0 && i % errorEvery === 0 ? 'error' : 'ok',
        costUsd: cost,
      });
    }
  }
  return out;
}

async function report(api: Api): Promise<string> {
  const thread = await api.post<{ id: string }>('/api/v1/threads', { title: 'savings' });
  const accepted = await api.post<{ runId: string }>(`/api/v1/threads/${thread.body.id}/messages`, { text: 'How can we cut our LLM costs over the last 30 days?' });
  expect(await waitForRunStatus(stack.db, accepted.body.runId, undefined, 60_000)).toBe('completed');
  return accepted.body.runId;
}

/**
 * The recommendations of `runId`, read as soon as the run is completed: they are written by the statement that
 * completes the run, so there is no moment where a completed run's recommendations are missing.
 */
async function recommendationsOf(api: Api, runId: string): Promise<StoredRecommendation[]> {
  const recs = RecommendationList.parse((await api.get('/api/v1/recommendations')).body).data.filter((r) => r.runId === runId);
  if (recs.length === 0) throw new Error(`no recommendations kept for completed run ${runId}`);
  return recs;
}

/** SQL over the events: requests, cost, errors and the exact p95 of a scope between two instants. */
async function truth(subject: string, app: string, model: string, from: number, to: number) {
  const [row] = await stack.db.$queryRaw<{ requests: number; cost: number; errors: number; p95: number }[]>`
    SELECT count(*)::int AS requests, sum(e.cost_usd)::float8 AS cost, (count(*) FILTER (WHERE e.status = 'error'))::int AS errors,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY e.latency_ms)::float8 AS p95
      FROM usage_events e JOIN users u ON u.id = e.user_id
     WHERE u.subject = ${subject} AND e.app = ${app} AND e.model = ${model} AND e.ts >= ${new Date(from)} AND e.ts < ${new Date(to)}`;
  return row!;
}

describe('recommendations checked after the fact', () => {
  it('keeps recommendations with stable ids, and measures an adopted one against its baseline exactly as SQL does', async () => {
    const subject = 'rec-owner';
    const api = await stack.api(subject);
    // support-bot on gpt-4o: 2 cents a call before the change; after it (from the day after adoption), 0.8 cents a
    // call at a higher volume. batch-job got worse after its change: dearer, slower, more errors.
    const events = [
      ...workload('support-bot', 'gpt-4o', 25, ADOPTED_DAYS_AGO + 1, 40, 0.02, 900),
      ...workload('support-bot', 'gpt-4o', ADOPTED_DAYS_AGO - 1, 1, 60, 0.008, 700),
      ...workload('batch-job', 'gpt-4o-mini', 25, ADOPTED_DAYS_AGO + 1, 30, 0.001, 400),
      ...workload('batch-job', 'gpt-4o-mini', ADOPTED_DAYS_AGO - 1, 1, 30, 0.003, 900, 5),
    ];
    for (let i = 0; i < events.length; i += 2_000) expect((await api.post('/api/v1/usage-events', { events: events.slice(i, i + 2_000) })).status).toBe(200);

    const runId = await report(api);
    const recs = await recommendationsOf(api, runId);
    recs.forEach((r, i) => expect(r).toMatchObject({ id: recommendationId(runId, i), position: i, adoptedAt: null }));
    // Stable: listed again, the same ids.
    expect((await recommendationsOf(api, runId)).map((r) => r.id)).toEqual(recs.map((r) => r.id));

    const rec = recs[0]!;
    expect((await api.get(`/api/v1/recommendations/${rec.id}/outcome`)).status).toBe(409);
    expect((await api.post(`/api/v1/recommendations/${rec.id}/adopt`, { adoptedAt: new Date(Date.now() + DAY_MS).toISOString() })).status).toBe(400);
    const other = await stack.api('rec-other');
    expect((await other.post(`/api/v1/recommendations/${rec.id}/adopt`, {})).status).toBe(404);

    const adopted = await api.post(`/api/v1/recommendations/${rec.id}/adopt`, { adoptedAt: adoptedAt.toISOString(), apps: ['support-bot'], models: ['gpt-4o'] });
    expect(adopted.status).toBe(200);
    expect(StoredRecommendation.parse(adopted.body)).toMatchObject({ adoptedAt: adoptedAt.toISOString(), adoptedScope: { apps: ['support-bot'], models: ['gpt-4o'] } });
    expect(ErrorBody.parse((await api.post(`/api/v1/recommendations/${rec.id}/adopt`, {})).body).error.code).toBe('conflict');

    const res = await api.get(`/api/v1/recommendations/${rec.id}/outcome`);
    expect(res.status).toBe(200);
    const outcome = RecommendationOutcome.parse(res.body);
    const adoptionDay = today - ADOPTED_DAYS_AGO * DAY_MS;
    const beforeFrom = Math.floor(Date.parse(rec.window.from) / DAY_MS) * DAY_MS;
    const before = await truth(subject, 'support-bot', 'gpt-4o', beforeFrom, adoptionDay);
    const after = await truth(subject, 'support-bot', 'gpt-4o', adoptionDay + DAY_MS, today);
    const afterDays = (today - adoptionDay - DAY_MS) / DAY_MS;
    expect(outcome.before.requests).toBe(before.requests);
    expect(outcome.after.requests).toBe(after.requests);
    expect(outcome.before.costPerRequestUsd).toBeCloseTo(before.cost / before.requests, 12);
    expect(outcome.after.costPerRequestUsd).toBeCloseTo(after.cost / after.requests, 12);
    const realized = (before.cost / before.requests - after.cost / after.requests) * (after.requests / afterDays) * 30;
    expect(outcome.realizedMonthlySavingsUsd).toBeCloseTo(realized, 9);
    expect(outcome.realizedShare).toBeCloseTo(realized / rec.estimatedMonthlySavingsUsd, 9);
    expect(outcome.predictedMonthlySavingsUsd).toBe(rec.estimatedMonthlySavingsUsd);
    // p95 from the rollups' histograms: within a bucket (4 %) of the exact percentile.
    expect(Math.abs(outcome.before.p95LatencyMs! - before.p95) / before.p95).toBeLessThan(0.04);
    expect(Math.abs(outcome.after.p95LatencyMs! - after.p95) / after.p95).toBeLessThan(0.04);
    expect(outcome).toMatchObject({ verdict: 'better', regressions: [], rollback: null, before: { errorRate: 0 }, after: { errorRate: 0 } });

    // A change that made things worse: its outcome says so with the rollback step, and the sweep raises an alert once.
    const worse = recs[1] ?? (await recommendationsOf(api, await report(api)))[0]!;
    await api.post(`/api/v1/recommendations/${worse.id}/adopt`, { adoptedAt: adoptedAt.toISOString(), apps: ['batch-job'], models: ['gpt-4o-mini'] });
    const bad = RecommendationOutcome.parse((await api.get(`/api/v1/recommendations/${worse.id}/outcome`)).body);
    expect(bad.verdict).toBe('worse');
    expect(bad.regressions.join(' ')).toMatch(/cost per request .*p95 .*error rate/);
    expect(bad.rollback).toEqual(expect.any(String));
    const deadline = Date.now() + 20_000;
    let regressed = AlertList.parse((await api.get('/api/v1/alerts')).body).data.filter((a) => a.kind === 'recommendation.regressed');
    while (regressed.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      regressed = AlertList.parse((await api.get('/api/v1/alerts')).body).data.filter((a) => a.kind === 'recommendation.regressed');
    }
    expect(regressed).toHaveLength(1);
    expect(regressed[0]!.message).toContain('Roll back:');
    expect(regressed[0]!.data).toMatchObject({ recommendationId: worse.id, rollback: bad.rollback });
  });
});

import { AlertList, Budget, BudgetList, ErrorBody, WebhookCreated, WebhookPayload, type NotificationFrame } from '@netra/contracts';
import { periodWindow } from '@netra/watch';
import { verifySignature } from '@netra/webhooks';
import type { Api } from '../support/clients.js';
import type { LogLine, Worker } from '../support/processes.js';
import { Stack } from '../support/stack.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

let stack: Stack;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  // Two gateways, two workers, and a sweep every second on top of the checks after each ingest: every alert is
  // raised by racing evaluations, and must still exist once.
  stack = await Stack.start('budgets', { gateways: 2, workers: 2, env: { WEBHOOK_ALLOW_PRIVATE: 'true', BUDGET_CHECK_INTERVAL_MS: '1000' } });
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

function events(prefix: string, count: number, app: string, costUsd: number) {
  const now = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    timestamp: now,
    app,
    model: 'gpt-4o',
    promptTokens: 100,
    completionTokens: 10,
    latencyMs: 300,
    status: 'ok',
    costUsd,
  }));
}

/** Resolves after `count` more budget sweeps (by either worker) than had been logged when it was called. */
async function sweeps(workers: Worker[], count: number): Promise<void> {
  const isSweep = (l: LogLine) => l.message === 'budget sweep done';
  const seen = new Set(workers.flatMap((w) => w.process.logs.filter(isSweep)));
  for (let n = 0; n < count; n += 1) {
    const waits = workers.map((w) => w.process.waitForLog((l) => isSweep(l) && !seen.has(l)));
    // The worker that does not win this round keeps waiting for a line it may never print; its timeout is harmless.
    for (const wait of waits) wait.catch(() => undefined);
    seen.add(await Promise.race(waits));
  }
}

async function ingest(api: Api, batch: ReturnType<typeof events>) {
  const res = await api.post<{ accepted: number; duplicates: number }>('/api/v1/usage-events', { events: batch });
  expect(res.status).toBe(200);
  return res.body;
}

describe('budgets and alerts', () => {
  it('fires each threshold once per period across two workers and re-sent events; pushes notifications and webhooks', async () => {
    const subject = 'budget-owner';
    const api = await stack.api(subject);
    const api2 = await stack.api(subject, stack.gateways[1]);
    // The socket is on the other gateway than the ingests: the push crosses processes.
    const ws = await stack.ws(subject, stack.gateways[1]);
    const hook = WebhookCreated.parse((await api.post('/api/v1/webhooks', { url: `${receiver.url}/budget`, events: ['budget.threshold_crossed', 'budget.forecast_exceeded'] })).body);

    const created = await api.post('/api/v1/budgets', { name: 'Search', amountUsd: 10, period: 'month', scope: { apps: ['search'] }, thresholds: [1, 0.5, 0.8] });
    expect(created.status).toBe(201);
    const budget = Budget.parse(created.body);
    expect(budget).toMatchObject({ thresholds: [0.5, 0.8, 1], status: { spentUsd: 0 } });

    const window = periodWindow('month', new Date());
    const batchA = [...events('a', 6, 'search', 1), ...events('noise', 10, 'other', 5)];
    expect(await ingest(api, batchA)).toMatchObject({ accepted: 16 });
    await ws.next((f) => f.type === 'notification' && f.alert.kind === 'budget.threshold_crossed' && f.alert.data.threshold === 0.5);

    // The same batch again, through both gateways at once: duplicates add no spend and raise nothing.
    const resent = await Promise.all([ingest(api, batchA), ingest(api2, batchA), ingest(api, batchA)]);
    for (const r of resent) expect(r).toMatchObject({ accepted: 0, duplicates: 16 });
    await ingest(api2, events('b', 3, 'search', 1));
    await ws.next((f) => f.type === 'notification' && f.alert.data.threshold === 0.8);
    await Promise.all([ingest(api, events('c', 1, 'search', 1)), ingest(api2, events('c', 1, 'search', 1))]);
    await ws.next((f) => f.type === 'notification' && f.alert.data.threshold === 1);
    // Let both workers sweep a few more times: nothing new may fire.
    await sweeps(stack.workers, 4);

    const alerts = AlertList.parse((await api.get('/api/v1/alerts')).body).data;
    const thresholds = alerts.filter((a) => a.kind === 'budget.threshold_crossed').map((a) => a.data.threshold);
    expect([...thresholds].sort()).toEqual([0.5, 0.8, 1]);
    // The forecast breach, by the rule in docs: at least 5 % of the month gone, spend below the amount, and the
    // spend so far extrapolated to the month's end above it (the spends below the amount were $6 and $9).
    const e = window.elapsed;
    const expectForecast = e >= 0.05 && [6, 9].some((spent) => spent / e > 10) ? 1 : 0;
    const forecasts = alerts.filter((a) => a.kind === 'budget.forecast_exceeded');
    expect(forecasts).toHaveLength(expectForecast);
    for (const f of forecasts) expect(f.message).toMatch(/at this rate the month ends at \$\d+\.\d\d, \d+ % of \$10\.00/);
    for (const a of alerts) expect(a).toMatchObject({ budgetId: budget.id, data: { periodStart: window.startDay, budgetName: 'Search' } });

    // One notification per alert on the socket, and one webhook delivery per alert.
    const pushed = ws.frames.filter((f): f is NotificationFrame => f.type === 'notification').map((f) => f.alert.id);
    expect([...pushed].sort()).toEqual(alerts.map((a) => a.id).sort());
    const delivered = await receiver.waitFor('/budget', alerts.length);
    const ids = delivered.map((d) => {
      expect(verifySignature(hook.secret, String(d.headers['netra-signature']), d.body)).toBe(true);
      return WebhookPayload.parse(JSON.parse(d.body)).id;
    });
    expect([...ids].sort()).toEqual(alerts.map((a) => a.id).sort());

    // The status is read from the rollups and matches SQL over the events of the scope.
    const [truth] = await stack.db.$queryRaw<{ cost: number }[]>`
      SELECT sum(e.cost_usd)::float8 AS cost FROM usage_events e JOIN users u ON u.id = e.user_id
       WHERE u.subject = ${subject} AND e.app = 'search' AND e.ts >= ${window.start} AND e.ts < ${window.end}`;
    const listed = BudgetList.parse((await api.get('/api/v1/budgets')).body).data;
    expect(listed).toHaveLength(1);
    expect(listed[0]!.status.spentUsd).toBeCloseTo(truth!.cost, 9);
    expect(listed[0]!.status.spentUsd).toBeCloseTo(10, 9);
    expect(listed[0]!.status.daily.reduce((s, d) => s + d.costUsd, 0)).toBeCloseTo(10, 9);
  });

  it('validates budgets, keeps them private, and keeps alerts when a budget is deleted', async () => {
    const api = await stack.api('budget-crud');
    for (const body of [
      { name: 'x', amountUsd: -1, period: 'month' },
      { name: 'x', amountUsd: 5, period: 'year' },
      { name: 'x', amountUsd: 5, period: 'day', thresholds: [] },
      { name: 'x', amountUsd: 5, period: 'day', scope: { dimensions: { team: ['a'], feature: ['b'] } } },
      { name: 'x', amountUsd: 5, period: 'day', scope: { dimensions: { unknownkey: ['a'] } } },
      { name: 'x', amountUsd: 5, period: 'day', scope: { teams: ['a'] } },
    ]) {
      const res = await api.post('/api/v1/budgets', body);
      expect([body, res.status]).toEqual([body, 400]);
      expect(ErrorBody.parse(res.body).error.code).toBe('invalid_message');
    }
    expect(BudgetList.parse((await api.get('/api/v1/budgets')).body).data).toEqual([]);

    const budget = Budget.parse((await api.post('/api/v1/budgets', { name: 'Team a', amountUsd: 1, period: 'day', scope: { dimensions: { team: ['a'] } }, thresholds: [1] })).body);
    const other = await stack.api('budget-other');
    expect((await other.get(`/api/v1/budgets/${budget.id}`)).status).toBe(404);
    expect((await other.delete(`/api/v1/budgets/${budget.id}`)).status).toBe(404);

    // Spend of team a (metadata) crosses it; team b's does not count.
    const batch = events('t', 2, 'chat', 0.75).map((e, i) => ({ ...e, metadata: { team: i === 0 ? 'a' : 'b' } }));
    await ingest(api, batch);
    await ingest(api, events('t2', 1, 'chat', 0.5).map((e) => ({ ...e, metadata: { team: 'a' } })));
    // Wait for the threshold alert itself: depending on the time of day, the forecast breach of the first batch
    // ("at this rate the day ends above $1") may be stored first.
    const deadline = Date.now() + 20_000;
    const crossedOf = async () => AlertList.parse((await api.get('/api/v1/alerts')).body).data.filter((a) => a.kind === 'budget.threshold_crossed');
    let crossed = await crossedOf();
    while (crossed.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      crossed = await crossedOf();
    }
    expect(crossed).toHaveLength(1);
    expect(crossed[0]!.data).toMatchObject({ spentUsd: 1.25, threshold: 1 });

    const patched = await api.patch(`/api/v1/budgets/${budget.id}`, { amountUsd: 100 });
    expect(Budget.parse(patched.body)).toMatchObject({ amountUsd: 100, status: { spentUsd: 1.25 } });
    const alerts = AlertList.parse((await api.get('/api/v1/alerts')).body).data;
    expect((await api.delete(`/api/v1/budgets/${budget.id}`)).status).toBe(200);
    const after = AlertList.parse((await api.get('/api/v1/alerts')).body).data;
    expect(after.map((a) => [a.id, a.budgetId])).toEqual(alerts.map((a) => [a.id, null]));
  });

  it('finishes notifying an alert whose raiser stopped between storing and notifying it, once', async () => {
    const subject = 'budget-crash';
    const api = await stack.api(subject);
    const ws = await stack.ws(subject);
    WebhookCreated.parse((await api.post('/api/v1/webhooks', { url: `${receiver.url}/orphan`, events: ['budget.threshold_crossed'] })).body);
    const budget = Budget.parse((await api.post('/api/v1/budgets', { name: 'Crash', amountUsd: 2, period: 'day', thresholds: [0.5] })).body);
    // What a worker killed right after its insert leaves behind: the alert, stored a minute ago, never notified.
    const user = await stack.db.user.findUniqueOrThrow({ where: { subject } });
    const window = periodWindow('day', new Date());
    const orphan = await stack.db.alert.create({
      data: {
        userId: user.id,
        budgetId: budget.id,
        kind: 'budget.threshold_crossed',
        dedupeKey: `budget:${budget.id}:${window.startDay}:threshold:0.5`,
        message: 'Budget "Crash" reached 50 %',
        data: { threshold: 0.5 },
        createdAt: new Date(Date.now() - 60_000),
      },
    });
    await ingest(api, events('crash', 2, 'any', 1));
    const frame = await ws.next((f) => f.type === 'notification');
    expect(frame.type === 'notification' && frame.alert.id).toBe(orphan.id);
    const [delivery] = await receiver.waitFor('/orphan', 1);
    expect(WebhookPayload.parse(JSON.parse(delivery!.body)).id).toBe(orphan.id);
    await sweeps(stack.workers, 3);
    expect(receiver.on('/orphan')).toHaveLength(1);
    expect(ws.frames.filter((f) => f.type === 'notification')).toHaveLength(1);
    expect((await stack.db.alert.findUniqueOrThrow({ where: { id: orphan.id } })).notifiedAt).not.toBeNull();
    expect(AlertList.parse((await api.get('/api/v1/alerts')).body).data.map((a) => a.id)).toEqual([orphan.id]);
  });
});

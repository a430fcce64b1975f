import { AlertList, WebhookCreated, WebhookPayload, type Alert } from '@netra/contracts';
import type { LogLine } from '../support/processes.js';
import { Stack } from '../support/stack.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

let stack: Stack;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  // The daily check every 2 seconds instead of at 00:15, so the test sees it run (and re-run) at once.
  stack = await Stack.start('anomalies', { workers: 1, env: { WEBHOOK_ALLOW_PRIVATE: 'true', ANOMALY_CHECK_CRON: '*/2 * * * * *' } });
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

const DAY_MS = 86_400_000;

/** `perDay` events a day for the 15 days before today; `costOf(daysAgo)` is each event's cost. */
function history(app: string, model: string, perDay: number, costOf: (daysAgo: number) => number) {
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const out = [];
  for (let daysAgo = 15; daysAgo >= 1; daysAgo -= 1) {
    for (let i = 0; i < perDay; i += 1) {
      out.push({
        id: `${app}-${daysAgo}-${i}`,
        timestamp: new Date(today - daysAgo * DAY_MS + (i + 1) * 60_000).toISOString(),
        app,
        model,
        promptTokens: 500,
        completionTokens: 50,
        latencyMs: 400 + (i % 5) * 10,
        status: 'ok',
        costUsd: costOf(daysAgo),
      });
    }
  }
  return out;
}

async function sweepsAfter(count: number): Promise<void> {
  const worker = stack.workers[0]!.process;
  const isSweep = (l: LogLine) => l.message === 'anomaly sweep done';
  const seen = new Set(worker.logs.filter(isSweep));
  for (let n = 0; n < count; n += 1) seen.add(await worker.waitForLog((l) => isSweep(l) && !seen.has(l)));
}

describe('anomaly alerts', () => {
  it('raises anomaly.detected once for the closed day that left the trend, naming the workload, metric and distance', async () => {
    const subject = 'anomaly-owner';
    const api = await stack.api(subject);
    WebhookCreated.parse((await api.post('/api/v1/webhooks', { url: `${receiver.url}/anomalies`, events: ['anomaly.detected'] })).body);
    const ws = await stack.ws(subject);
    // chat/gpt-4o: 5 cents a call, until yesterday's calls cost ten times that. search/gpt-4o-mini: steady.
    const spike = history('chat', 'gpt-4o', 20, (daysAgo) => (daysAgo === 1 ? 0.5 : 0.05));
    const steady = history('search', 'gpt-4o-mini', 20, () => 0.01);
    expect((await api.post('/api/v1/usage-events', { events: [...spike, ...steady] })).status).toBe(200);

    const frame = await ws.next((f) => f.type === 'notification' && f.alert.kind === 'anomaly.detected', 30_000);
    await sweepsAfter(3);
    const alerts = AlertList.parse((await api.get('/api/v1/alerts')).body).data.filter((a) => a.kind === 'anomaly.detected');
    expect(alerts).toHaveLength(1);
    const alert: Alert = alerts[0]!;
    expect(frame.type === 'notification' && frame.alert.id).toBe(alert.id);
    const yesterday = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10);
    expect(alert.data).toMatchObject({ app: 'chat', model: 'gpt-4o', day: yesterday, metric: 'costUsd' });
    expect(alert.message).toMatch(/^chat \/ gpt-4o: cost \$10\.00 on \d{4}-\d\d-\d\d, 10\.0× the trend \(\$1\.00\), [\d.]+ deviations from it$/);

    // The figures are SQL's: the day's cost, and the median of the seven days before it.
    const days = await stack.db.$queryRaw<{ day: string; cost: number }[]>`
      SELECT (e.ts AT TIME ZONE 'UTC')::date::text AS day, sum(e.cost_usd)::float8 AS cost
        FROM usage_events e JOIN users u ON u.id = e.user_id
       WHERE u.subject = ${subject} AND e.app = 'chat' GROUP BY 1 ORDER BY 1`;
    const closed = days.find((d) => d.day === yesterday)!.cost;
    const before = days.filter((d) => d.day < yesterday).slice(-7).map((d) => d.cost).sort((a, b) => a - b);
    expect(alert.data.value).toBeCloseTo(closed, 9);
    expect(alert.data.expected).toBeCloseTo(before[3]!, 9);

    const [delivery] = await receiver.waitFor('/anomalies', 1);
    expect(WebhookPayload.parse(JSON.parse(delivery!.body))).toMatchObject({ id: alert.id, type: 'anomaly.detected', data: { app: 'chat', metric: 'costUsd' } });
    expect(receiver.on('/anomalies')).toHaveLength(1);
  });
});

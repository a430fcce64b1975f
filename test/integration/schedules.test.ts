import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ErrorBody, Schedule, ScheduleList, WebhookCreated, WebhookPayload } from '@netra/contracts';
import { verifySignature } from '@netra/webhooks';
import type { LogLine } from '../support/processes.js';
import { Stack } from '../support/stack.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const EVERY_MS = 2_000;

let stack: Stack;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  stack = await Stack.start('schedules', {
    workers: 2,
    env: { WEBHOOK_ALLOW_PRIVATE: 'true', SCHEDULE_MIN_INTERVAL_SECONDS: '1', PUBLIC_URL: 'http://netra.test' },
  });
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

/** The slots (epoch ms) whose question was posted, once at least `count` were. */
async function postedSlots(scheduleId: string, count: number, timeoutMs = 30_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await stack.db.message.findMany({ where: { clientMessageId: { startsWith: `sched-${scheduleId}-` } }, select: { clientMessageId: true } });
    const slots = rows.map((r) => Number(r.clientMessageId!.slice(`sched-${scheduleId}-`.length))).sort((a, b) => a - b);
    if (slots.length >= count) return slots;
    if (Date.now() > deadline) throw new Error(`${slots.length} of ${count} slots posted after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('scheduled reports', () => {
  it('runs each slot exactly once across two workers and a worker restart, and announces the reports', async () => {
    const api = await stack.api('sched-owner');
    const hook = WebhookCreated.parse((await api.post('/api/v1/webhooks', { url: `${receiver.url}/reports`, events: ['schedule.report_ready'] })).body);
    const res = await api.post('/api/v1/schedules', { cron: '*/2 * * * * *', timezone: 'Europe/Paris', question: 'How much did we spend this week?' });
    expect(res.status).toBe(201);
    const schedule = Schedule.parse(res.body);
    expect(Date.parse(schedule.nextRunAt!)).toBeGreaterThan(Date.now() - 1_000);
    expect(ScheduleList.parse((await api.get('/api/v1/schedules')).body).data.map((s) => s.id)).toEqual([schedule.id]);

    const before = await postedSlots(schedule.id, 3);
    // A worker restart: one stops (SIGTERM), a new one joins.
    await stack.workers[0]!.process.stop('SIGTERM');
    await stack.addWorker();
    const after = await postedSlots(schedule.id, before.length + 4);

    expect(new Set(after).size).toBe(after.length);
    // No slot skipped, none run twice: consecutive slots are exactly the cron's step apart, on its grid.
    for (let i = 1; i < after.length; i += 1) expect(after[i]! - after[i - 1]!).toBe(EVERY_MS);
    for (const slot of after) expect(slot % EVERY_MS).toBe(0);

    // Every slot was fired by exactly one job of one worker.
    const fired = (l: LogLine) => l.message === 'schedule fired' && l.scheduleId === schedule.id;
    const firedSlots = stack.workers.flatMap((w) => w.process.logs.filter(fired).map((l) => Date.parse(String(l.slot))));
    const posted = await postedSlots(schedule.id, after.length);
    expect([...firedSlots].sort((a, b) => a - b)).toEqual(posted.slice(0, firedSlots.length));
    expect(new Set(firedSlots).size).toBe(firedSlots.length);

    // The reports land in the schedule's thread, and their webhooks carry the headline figures and a link.
    const [delivery] = await receiver.waitFor('/reports', 1, 30_000);
    expect(verifySignature(hook.secret, String(delivery!.headers['netra-signature']), delivery!.body)).toBe(true);
    const payload = WebhookPayload.parse(JSON.parse(delivery!.body));
    expect(payload).toMatchObject({ type: 'schedule.report_ready', data: { scheduleId: schedule.id, threadId: schedule.threadId, link: `http://netra.test/threads/${schedule.threadId}` } });
    expect(typeof payload.data.totalCostUsd).toBe('number');
    expect(typeof payload.data.summary).toBe('string');
    const run = await stack.db.run.findUniqueOrThrow({ where: { id: String(payload.data.runId) }, select: { threadId: true, status: true } });
    expect(run).toEqual({ threadId: schedule.threadId, status: 'completed' });

    // Deleting stops the timer.
    expect((await api.delete(`/api/v1/schedules/${schedule.id}`)).status).toBe(200);
    expect(ScheduleList.parse((await api.get('/api/v1/schedules')).body).data).toEqual([]);
    const connection = new Redis(stack.testEnv.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('watch', { connection, prefix: `${stack.testEnv.prefix}:bull` });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => s.key)).not.toContain(`schedule-${schedule.id}`);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('refuses bad schedules and other users\' threads, creating nothing', async () => {
    const api = await stack.api('sched-bad');
    const other = await stack.api('sched-other');
    const foreign = await other.post<{ id: string }>('/api/v1/threads', { title: 'not yours' });
    for (const [body, status] of [
      [{ cron: 'every tuesday', question: 'q' }, 400],
      [{ cron: '0 9 * * 1', timezone: 'Mars/Olympus', question: 'q' }, 400],
      [{ cron: '0 9 * * 1', question: '' }, 400],
      [{ cron: '0 9 * * 1', question: 'q', threadId: foreign.body.id }, 404],
    ] as const) {
      const res = await api.post('/api/v1/schedules', body);
      expect([body, res.status]).toEqual([body, status]);
      ErrorBody.parse(res.body);
    }
    expect(ScheduleList.parse((await api.get('/api/v1/schedules')).body).data).toEqual([]);
  });
});

import cronParser, { type CronDate } from 'cron-parser';
import { NotFoundError, ValidationError, type CreateScheduleBody, type Schedule } from '@netra/contracts';
import { querySql, sql, type Db } from '@netra/db';
import { errorFields, logger } from '@netra/observability';
import type { CrossTenantHook } from '@netra/webhooks';
import type { WatchQueue } from './queue.js';

export interface ScheduleServiceOptions {
  /** SCHEDULE_MIN_INTERVAL_SECONDS: schedules firing more often than this are refused. */
  minIntervalSeconds: number;
  /** Told when a user names another user's schedule or thread (audited by the gateway); they get a 404. */
  onCrossTenant?: CrossTenantHook;
}

/** The BullMQ job scheduler of a schedule (BullMQ refuses `:` in ids). */
export function schedulerId(scheduleId: string): string {
  return `schedule-${scheduleId}`;
}

/** The next `count` fire times of a cron expression in a time zone; throws ValidationError when it is not valid. */
export function nextFireTimes(cron: string, timezone: string, count: number, from = new Date()): Date[] {
  let interval: ReturnType<typeof cronParser.parseExpression>;
  try {
    interval = cronParser.parseExpression(cron, { tz: timezone, currentDate: from });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`Invalid body at cron: ${reason}`, [{ path: ['cron'], code: 'custom', message: reason }]);
  }
  const out: Date[] = [];
  for (let i = 0; i < count && interval.hasNext(); i += 1) out.push((interval.next() as CronDate).toDate()); // without the `iterator` option next() is a CronDate
  return out;
}

const FIELDS = { id: true, cron: true, timezone: true, question: true, threadId: true, createdAt: true } as const;
type Row = { id: string; cron: string; timezone: string; question: string; threadId: string; createdAt: Date };

function toSchedule(row: Row): Schedule {
  const [next] = nextFireTimes(row.cron, row.timezone, 1);
  return { ...row, createdAt: row.createdAt.toISOString(), nextRunAt: next?.toISOString() ?? null };
}

/**
 * Scheduled reports: each schedule is a BullMQ job scheduler on the `watch` queue (cron + time zone), which puts
 * one `schedule-fire` job per slot; the worker posts the question into the schedule's thread (ScheduleFirer).
 */
export class ScheduleService {
  private readonly log = logger.child({ component: 'schedules' });

  constructor(
    private readonly db: Db,
    private readonly queue: WatchQueue,
    private readonly options: ScheduleServiceOptions,
  ) {}

  async create(userId: string, body: CreateScheduleBody): Promise<Schedule> {
    const [first, second] = nextFireTimes(body.cron, body.timezone, 2);
    if (!first) throw new ValidationError('Invalid body at cron: it never fires', [{ path: ['cron'], code: 'custom', message: 'never fires' }]);
    if (second && (second.getTime() - first.getTime()) / 1000 < this.options.minIntervalSeconds) {
      throw new ValidationError(`Invalid body at cron: fires more often than every ${this.options.minIntervalSeconds} s (SCHEDULE_MIN_INTERVAL_SECONDS)`, [
        { path: ['cron'], code: 'custom', message: 'too frequent' },
      ]);
    }
    let threadId = body.threadId;
    if (threadId) {
      const thread = await this.db.thread.findUnique({ where: { id: threadId }, select: { userId: true } });
      if (thread && thread.userId !== userId) this.options.onCrossTenant?.({ resource: 'thread', resourceId: threadId, userId, ownerId: thread.userId });
      if (thread?.userId !== userId) throw new NotFoundError('Thread');
    } else {
      threadId = (await this.db.thread.create({ data: { userId, title: `Scheduled: ${body.question.slice(0, 180)}` }, select: { id: true } })).id;
    }
    const row = await this.db.schedule.create({ data: { userId, cron: body.cron, timezone: body.timezone, question: body.question, threadId }, select: FIELDS });
    try {
      await this.queue.upsertJobScheduler(
        schedulerId(row.id),
        { pattern: body.cron, tz: body.timezone },
        { name: 'schedule-fire', data: { kind: 'schedule-fire', scheduleId: row.id }, opts: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
      );
    } catch (error) {
      // No schedule without its timer: undo the row, the caller gets the error.
      await this.db.schedule.delete({ where: { id: row.id } });
      throw error;
    }
    return toSchedule(row);
  }

  async list(userId: string): Promise<Schedule[]> {
    const rows = await this.db.schedule.findMany({ where: { userId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select: FIELDS });
    return rows.map(toSchedule);
  }

  /** Stops the timer, then deletes the schedule (the thread and the reports already posted stay). */
  async remove(userId: string, id: string): Promise<Schedule> {
    const row = await this.db.schedule.findFirst({ where: { id, userId }, select: FIELDS });
    if (!row) {
      const other = await this.db.schedule.findUnique({ where: { id }, select: { userId: true } });
      if (other) this.options.onCrossTenant?.({ resource: 'schedule', resourceId: id, userId, ownerId: other.userId });
      throw new NotFoundError('Schedule');
    }
    await this.queue.removeJobScheduler(schedulerId(id));
    await this.db.schedule.delete({ where: { id } });
    this.log.info('schedule removed', { scheduleId: id });
    return toSchedule(row);
  }
}

/** `sched-<scheduleId>-<slot ms>`: the client message id of a slot's question. */
export function slotMessageId(scheduleId: string, slotMs: number): string {
  return `sched-${scheduleId}-${slotMs}`;
}

const SLOT_MESSAGE = /^sched-([0-9a-f-]{36})-(\d+)$/;

/** The schedule and slot of a scheduled question's client message id, or null for any other message. */
export function parseSlotMessageId(clientMessageId: string | null): { scheduleId: string; slotMs: number } | null {
  const match = clientMessageId ? SLOT_MESSAGE.exec(clientMessageId) : null;
  return match?.[1] && match[2] ? { scheduleId: match[1], slotMs: Number(match[2]) } : null;
}

export interface StartedRun {
  runId: string;
  threadId: string;
  userId: string;
}

/** What the firer needs of the run engine (@netra/runs RunEngine): accept a message as the user would. */
export interface RunAcceptor {
  accept(
    userId: string,
    input: { threadId: string; text: string; clientMessageId: string },
  ): Promise<{ kind: 'accepted'; runId: string; duplicate: boolean } | { kind: 'not_found' } | { kind: 'busy'; activeRunId: string }>;
}

/**
 * Posts a schedule's question for one slot, as the user would: through the run engine's accept (a user message and
 * a run, queued behind the thread's active run). Exactly once per slot: the message's client id names the slot, and
 * the engine returns the first acceptance for a client id it has seen — a second job for the same slot (another
 * worker, a restart, a retry) starts nothing.
 */
export class ScheduleFirer {
  private readonly log = logger.child({ component: 'schedule-firer' });

  constructor(
    private readonly db: Db,
    private readonly runs: RunAcceptor,
  ) {}

  /** The run started for the slot; null when the slot had run already or the schedule (or its thread) is gone. */
  async fire(scheduleId: string, slotMs: number): Promise<StartedRun | null> {
    const schedule = await this.db.schedule.findUnique({ where: { id: scheduleId }, select: { userId: true, threadId: true, question: true } });
    if (!schedule) return null;
    const clientMessageId = slotMessageId(scheduleId, slotMs);
    const result = await this.runs.accept(schedule.userId, { threadId: schedule.threadId, text: schedule.question, clientMessageId });
    if (result.kind !== 'accepted' || result.duplicate) {
      this.log.info(result.kind === 'accepted' ? 'schedule slot already ran' : 'schedule thread is gone', { scheduleId, slot: new Date(slotMs).toISOString() });
      return null;
    }
    const run = { runId: result.runId, threadId: schedule.threadId, userId: schedule.userId };
    this.log.info('schedule fired', { scheduleId, slot: new Date(slotMs).toISOString(), runId: run.runId });
    return run;
  }
}

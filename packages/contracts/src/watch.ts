import { z } from 'zod';
import { IsoDateTime, StorableString, Uuid } from './common.js';

// Netra watching on its own: webhooks, budgets and the alerts they raise (issue 15).

// ---- webhooks --------------------------------------------------------------------------------------------

/** What a webhook can subscribe to. `webhook.ping` is only ever sent by `POST /webhooks/:id/ping`. */
export const WEBHOOK_EVENT_TYPES = [
  'run.completed',
  'run.failed',
  'budget.threshold_crossed',
  'budget.forecast_exceeded',
  'anomaly.detected',
  'schedule.report_ready',
  'recommendation.regressed',
] as const;
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventType>;
/** The events an ended run may send (the worker queues their job only for users subscribed to one of them). */
export const RUN_WEBHOOK_EVENTS: readonly WebhookEventType[] = ['run.completed', 'run.failed', 'schedule.report_ready'];
export const DeliveryEventType = z.enum([...WEBHOOK_EVENT_TYPES, 'webhook.ping']);
export type DeliveryEventType = z.infer<typeof DeliveryEventType>;

/** An http(s) URL of at most 2,000 characters, without credentials (they would be logged and shown back). */
export const WebhookUrl = z
  .url({ protocol: /^https?$/ })
  .max(2_000)
  .refine((u) => {
    const parsed = new URL(u);
    return parsed.username === '' && parsed.password === '';
  }, 'must not contain a user name or password');

const EventList = z.array(WebhookEventType).min(1).max(WEBHOOK_EVENT_TYPES.length).transform((events) => [...new Set(events)]);

export const CreateWebhookBody = z.object({
  url: WebhookUrl,
  events: EventList,
  description: StorableString.max(200).optional(),
});
export type CreateWebhookBody = z.infer<typeof CreateWebhookBody>;

export const UpdateWebhookBody = z
  .object({
    url: WebhookUrl.optional(),
    events: EventList.optional(),
    description: StorableString.max(200).nullable().optional(),
    /** A disabled webhook receives nothing; deliveries already queued for it are dropped. */
    active: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');
export type UpdateWebhookBody = z.infer<typeof UpdateWebhookBody>;

export const Webhook = z.object({
  id: Uuid,
  url: z.string(),
  events: z.array(WebhookEventType),
  description: z.string().nullable(),
  active: z.boolean(),
  createdAt: IsoDateTime,
});
export type Webhook = z.infer<typeof Webhook>;

/** The answer to `POST /webhooks`: the only time the signing secret is shown. */
export const WebhookCreated = Webhook.extend({
  secret: z.string().describe('HMAC-SHA256 key of the `Netra-Signature` header; shown once, store it now'),
});
export type WebhookCreated = z.infer<typeof WebhookCreated>;

export const WebhookList = z.object({ data: z.array(Webhook) });
export type WebhookList = z.infer<typeof WebhookList>;

/** The JSON body of every delivery. `id` is stable across retries (receivers dedupe on it). */
export const WebhookPayload = z.object({
  id: z.string().min(1).max(200),
  type: DeliveryEventType,
  createdAt: IsoDateTime,
  data: z.record(z.string(), z.unknown()),
});
export type WebhookPayload = z.infer<typeof WebhookPayload>;

/** A job on the `webhook-deliveries` queue: one event for one webhook. The job id is `<webhookId>:<payload.id>`. */
export const WebhookJobData = z.object({
  webhookId: Uuid,
  payload: WebhookPayload,
});
export type WebhookJobData = z.infer<typeof WebhookJobData>;

/**
 * One attempt at a delivery. `succeeded`: the receiver answered 2xx; `failed`: it will be retried;
 * `dead_lettered`: the last attempt failed and the job went to the dead-letter queue.
 */
export const DeliveryStatus = z.enum(['succeeded', 'failed', 'dead_lettered']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const WebhookDelivery = z.object({
  id: Uuid,
  webhookId: Uuid,
  eventId: z.string(),
  eventType: DeliveryEventType,
  attempt: z.number().int().positive(),
  status: DeliveryStatus,
  /** The receiver's HTTP status; null when no answer came (timeout, refused, address not allowed). */
  httpStatus: z.number().int().nullable(),
  latencyMs: z.number().int().nonnegative(),
  error: z.string().nullable(),
  createdAt: IsoDateTime,
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookDeliveryList = z.object({ data: z.array(WebhookDelivery) });
export type WebhookDeliveryList = z.infer<typeof WebhookDeliveryList>;

export const ListDeliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

export const PingResult = z.object({ eventId: z.string(), queued: z.boolean() });
export type PingResult = z.infer<typeof PingResult>;

// ---- budgets ---------------------------------------------------------------------------------------------

export const BudgetPeriod = z.enum(['day', 'week', 'month']);
export type BudgetPeriod = z.infer<typeof BudgetPeriod>;

const Names = z.array(StorableString.min(1).max(200)).min(1).max(100);

/**
 * What a budget counts: the usage of these apps and models (all when absent), and — through the per-dimension
 * rollups — of these values of one metadata key (`{"team": ["search"]}`; the key must be in USAGE_DIMENSIONS).
 */
export const BudgetScope = z
  .object({
    apps: Names.optional(),
    models: Names.optional(),
    dimensions: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/), Names)
      .refine((d) => Object.keys(d).length <= 1, 'at most one dimension key (spend per key would count a request once per key)')
      .optional(),
  })
  .strict();
export type BudgetScope = z.infer<typeof BudgetScope>;

const Thresholds = z
  .array(z.number().positive().max(10))
  .min(1)
  .max(10)
  .transform((t) => [...new Set(t)].sort((a, b) => a - b));

export const CreateBudgetBody = z.object({
  name: StorableString.min(1).max(200),
  amountUsd: z.number().positive().max(1e9),
  period: BudgetPeriod,
  scope: BudgetScope.default({}),
  /** Fractions of the amount that raise an alert, each once per period. */
  thresholds: Thresholds.default([0.5, 0.8, 1.0]),
});
export type CreateBudgetBody = z.infer<typeof CreateBudgetBody>;

export const UpdateBudgetBody = z
  .object({
    name: StorableString.min(1).max(200).optional(),
    amountUsd: z.number().positive().max(1e9).optional(),
    period: BudgetPeriod.optional(),
    scope: BudgetScope.optional(),
    thresholds: Thresholds.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');
export type UpdateBudgetBody = z.infer<typeof UpdateBudgetBody>;

/** Where a budget stands in its current period (computed from the daily rollups when read). */
export const BudgetStatus = z.object({
  periodStart: z.iso.date(),
  periodEnd: z.iso.date().describe('first day of the next period'),
  spentUsd: z.number(),
  /** Spend at the end of the period if it goes on at the rate so far. */
  forecastUsd: z.number(),
  /** Spend per UTC day of the period so far (the chart of spend against the budget). */
  daily: z.array(z.object({ day: z.iso.date(), costUsd: z.number() })),
});
export type BudgetStatus = z.infer<typeof BudgetStatus>;

export const Budget = z.object({
  id: Uuid,
  name: z.string(),
  amountUsd: z.number(),
  period: BudgetPeriod,
  scope: BudgetScope,
  thresholds: z.array(z.number()),
  createdAt: IsoDateTime,
  status: BudgetStatus,
});
export type Budget = z.infer<typeof Budget>;

export const BudgetList = z.object({ data: z.array(Budget) });
export type BudgetList = z.infer<typeof BudgetList>;

// ---- alerts and the notification frame -------------------------------------------------------------------

export const AlertKind = z.enum(['budget.threshold_crossed', 'budget.forecast_exceeded', 'anomaly.detected', 'recommendation.regressed']);
export type AlertKind = z.infer<typeof AlertKind>;

export const Alert = z.object({
  id: Uuid,
  kind: AlertKind,
  /** The budget that raised it, when one did (null once the budget is deleted). */
  budgetId: Uuid.nullable(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()),
  createdAt: IsoDateTime,
});
export type Alert = z.infer<typeof Alert>;

export const AlertList = z.object({ data: z.array(Alert) });
export type AlertList = z.infer<typeof AlertList>;

export const ListAlertsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

/**
 * Server → client: an alert was raised for this user. Sent to every open socket of the user (whatever thread
 * they follow), live only: a socket that was closed at the time finds it in `GET /api/v1/alerts`.
 */
export const NotificationFrame = z.object({
  type: z.literal('notification'),
  alert: Alert,
});
export type NotificationFrame = z.infer<typeof NotificationFrame>;

/**
 * A job on the `watch` queue: check one user's budgets now (after an ingest), or every user's (the timer); or
 * tell the webhooks that a run ended (queued by the worker whose run job finished; job id `run-ended.<runId>`); or
 * post a schedule's question (made by the schedule's BullMQ job scheduler, one job per slot); or look for anomalies
 * on the closed days (daily).
 */
export const WatchJobData = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('budget-check'), userId: Uuid }),
  z.object({ kind: z.literal('budget-sweep') }),
  z.object({ kind: z.literal('run-ended'), runId: Uuid }),
  z.object({ kind: z.literal('schedule-fire'), scheduleId: Uuid }),
  z.object({ kind: z.literal('anomaly-sweep') }),
]);
export type WatchJobData = z.infer<typeof WatchJobData>;

// ---- scheduled reports -----------------------------------------------------------------------------------

/** An IANA time zone the runtime knows (`Europe/Paris`, `UTC`). */
export const TimeZone = z.string().min(1).max(64).refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'not a known IANA time zone');

export const CreateScheduleBody = z.object({
  /** Five fields (minute hour day month weekday), or six with seconds first. */
  cron: z.string().min(9).max(120),
  timezone: TimeZone.default('UTC'),
  question: StorableString.min(1).max(2_000),
  /** The user's thread to post into; a new thread when absent. */
  threadId: Uuid.optional(),
});
export type CreateScheduleBody = z.infer<typeof CreateScheduleBody>;

export const Schedule = z.object({
  id: Uuid,
  cron: z.string(),
  timezone: z.string(),
  question: z.string(),
  threadId: Uuid,
  createdAt: IsoDateTime,
  /** When the next report is due. */
  nextRunAt: IsoDateTime.nullable(),
});
export type Schedule = z.infer<typeof Schedule>;

export const ScheduleList = z.object({ data: z.array(Schedule) });
export type ScheduleList = z.infer<typeof ScheduleList>;

// ---- recommendations checked after the fact ----------------------------------------------------------------

/** A recommendation of a completed run's report, kept with a stable id (derived from the run and its position). */
export const StoredRecommendation = z.object({
  id: Uuid,
  runId: Uuid,
  position: z.number().int().nonnegative(),
  title: z.string(),
  strategy: z.string(),
  app: z.string().nullable(),
  model: z.string().nullable(),
  estimatedMonthlySavingsUsd: z.number(),
  /** The report's window: the baseline is measured over its days before the adoption. */
  window: z.object({ from: IsoDateTime, to: IsoDateTime }),
  createdAt: IsoDateTime,
  adoptedAt: IsoDateTime.nullable(),
  /** What the change went live for (defaults to the recommendation's app and model). */
  adoptedScope: z.object({ apps: z.array(z.string()), models: z.array(z.string()) }).nullable(),
});
export type StoredRecommendation = z.infer<typeof StoredRecommendation>;

export const RecommendationList = z.object({ data: z.array(StoredRecommendation) });
export type RecommendationList = z.infer<typeof RecommendationList>;

export const AdoptRecommendationBody = z.object({
  /** When the change went live; default now. Not in the future. */
  adoptedAt: IsoDateTime.optional(),
  apps: z.array(StorableString.min(1).max(200)).max(100).optional(),
  models: z.array(StorableString.min(1).max(200)).max(100).optional(),
});
export type AdoptRecommendationBody = z.infer<typeof AdoptRecommendationBody>;

/** One side of the comparison: closed UTC days of the scope, from the rollups. */
export const OutcomePeriod = z.object({
  from: z.iso.date(),
  /** Exclusive. */
  to: z.iso.date(),
  days: z.number().int().nonnegative(),
  requests: z.number().int().nonnegative(),
  costUsd: z.number(),
  costPerRequestUsd: z.number().nullable(),
  p95LatencyMs: z.number().nullable(),
  errorRate: z.number().nullable(),
  requestsPerDay: z.number(),
});
export type OutcomePeriod = z.infer<typeof OutcomePeriod>;

export const RecommendationOutcome = z.object({
  recommendationId: Uuid,
  adoptedAt: IsoDateTime,
  scope: z.object({ apps: z.array(z.string()), models: z.array(z.string()) }),
  /** The report window's days before the adoption day. */
  before: OutcomePeriod,
  /** The closed days after the adoption day. */
  after: OutcomePeriod,
  predictedMonthlySavingsUsd: z.number(),
  /**
   * (cost per request before − after) × requests per day after × 30: what the change saves at today's volume, so a
   * traffic change is not mistaken for a saving. Null without data on both sides.
   */
  realizedMonthlySavingsUsd: z.number().nullable(),
  /** realized / predicted. */
  realizedShare: z.number().nullable(),
  verdict: z.enum(['better', 'unchanged', 'worse', 'insufficient_data']),
  /** Why a `worse` verdict (cost per request, p95 or error rate up beyond tolerance). */
  regressions: z.array(z.string()),
  /** What to do about a `worse` verdict. */
  rollback: z.string().nullable(),
});
export type RecommendationOutcome = z.infer<typeof RecommendationOutcome>;

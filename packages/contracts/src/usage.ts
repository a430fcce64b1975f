import { z } from 'zod';
import { IsoDateTime, isStorableJson, UNSTORABLE_MESSAGE, StorableString } from './common.js';

/** Bounds of an event's free-form metadata: enough for tags and ids, not a document store. */
export const MAX_METADATA_BYTES = 8_192;
export const MAX_METADATA_DEPTH = 8;
import { TimeWindow } from './report.js';

/** The timestamp forms a usage event may use, as named to whoever sends another one. */
export const USAGE_TIMESTAMP_FORMS =
  'ISO 8601 with "T" or a space, with an offset, "Z" or none (UTC): 2026-11-21T10:05:00Z, 2026-11-21 10:05:00, ' +
  '2026-11-21T10:05:00.250+01:00; or Unix epoch seconds (1763719500) or milliseconds (1763719500000)';

const ISO_LIKE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
/** What `toISOString()` writes (and most clients send): checked field by field, returned as it is. */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Epoch numbers below this are seconds (10^11 s is the year 5138), from it on milliseconds. */
const EPOCH_MS_FROM = 1e11;
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether the calendar fields name a real instant (no 2026-02-30, no hour 24, no second 60). */
function validFields(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const leap = month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0);
  return day <= (DAYS_IN_MONTH[month - 1] ?? 31) + (leap ? 1 : 0);
}

/** Two or four decimal digits at `at` as a number (the caller's regex guarantees they are digits). */
function digits(text: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) n = n * 10 + (text.charCodeAt(i) - 48);
  return n;
}

/**
 * The instant of a usage timestamp as `toISOString()` (UTC, milliseconds), or undefined when it is none of
 * USAGE_TIMESTAMP_FORMS. Calendar fields are checked (no 2026-02-30, no hour 24); an ISO time without an offset is
 * UTC; an epoch may be a number or a string of digits (a CSV cell). The common case — already `toISOString()`
 * form — costs a regex and a field check (an import validates every event: this is on its hot path).
 */
export function normalizeUsageTimestamp(value: string | number): string | undefined {
  if (typeof value === 'string' && CANONICAL.test(value)) {
    const ok = validFields(digits(value, 0, 4), digits(value, 5, 2), digits(value, 8, 2), digits(value, 11, 2), digits(value, 14, 2), digits(value, 17, 2));
    return ok ? value : undefined;
  }
  let ms: number;
  if (typeof value === 'number' || /^\d{1,16}(\.\d+)?$/.test(value.trim())) {
    const n = typeof value === 'number' ? value : Number(value.trim());
    if (!Number.isFinite(n) || n <= 0) return undefined;
    ms = n < EPOCH_MS_FROM ? Math.round(n * 1000) : Math.round(n);
  } else {
    const m = ISO_LIKE.exec(value.trim());
    if (!m) return undefined;
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    const hour = Number(m[4]);
    const minute = Number(m[5]);
    const second = Number(m[6] ?? 0);
    if (!validFields(year, month, day, hour, minute, second)) return undefined;
    const fraction = m[7] === undefined ? 0 : Math.round(Number(`0${m[7]}`) * 1000);
    let shift = 0;
    const offset = m[8];
    if (offset !== undefined && offset.toUpperCase() !== 'Z') {
      const hm = offset.slice(1).replace(':', '');
      const oh = Number(hm.slice(0, 2));
      const om = hm.length > 2 ? Number(hm.slice(2, 4)) : 0;
      if (oh > 23 || om > 59) return undefined;
      shift = (offset.startsWith('-') ? -1 : 1) * (oh * 60 + om) * 60_000;
    }
    ms = Date.UTC(year, month - 1, day, hour, minute, second, fraction) - shift;
  }
  if (ms > LATEST_MS) return undefined;
  return new Date(ms).toISOString();
}

/**
 * A usage event's timestamp in any of USAGE_TIMESTAMP_FORMS, normalised to `toISOString()` form. One transform over
 * `unknown` rather than a union of string and number: zod's union costs a microsecond per event on an import.
 */
export const UsageTimestamp = z.unknown().transform((value, ctx): string => {
  const iso = (typeof value === 'string' && value.length <= 64) || typeof value === 'number' ? normalizeUsageTimestamp(value) : undefined;
  if (iso === undefined) {
    ctx.addIssue({ code: 'custom', message: `unrecognised timestamp ${String(JSON.stringify(value) ?? value).slice(0, 70)}; accepted forms: ${USAGE_TIMESTAMP_FORMS}` });
    return z.NEVER;
  }
  return iso;
});

/** One LLM call made by the user's own applications (SPEC §4 "Usage events"). */
export const UsageEventInput = z.object({
  id: StorableString.min(1).max(128),
  timestamp: UsageTimestamp,
  app: StorableString.min(1).max(128),
  model: StorableString.min(1).max(128),
  provider: StorableString.min(1).max(64).optional(),
  promptTokens: z.number().int().nonnegative().max(10_000_000),
  completionTokens: z.number().int().nonnegative().max(10_000_000),
  latencyMs: z.number().int().nonnegative().max(3_600_000),
  ttftMs: z.number().int().nonnegative().max(3_600_000).optional(),
  status: z.enum(['ok', 'error']),
  /** Computed from the model catalog when absent. */
  costUsd: z.number().nonnegative().max(1_000_000).optional(),
  /** Prompt tokens the provider served from its prompt cache (billed at the cached-input price), ≤ promptTokens. */
  cachedPromptTokens: z.number().int().nonnegative().max(10_000_000).optional(),
  /** The answer's quality, 0..100, from your evals or user ratings: evidence for a model switch. */
  qualityScore: z.number().min(0).max(100).optional(),
  /** sha256 (hex) of the normalised prompt, for cache analysis. */
  promptHash: z
    .string()
    .regex(/^[a-f0-9]{64}$/, 'promptHash must be a lowercase hex sha256')
    .optional(),
  metadata: z
    .record(z.string(), z.unknown())
    // Depth first, and aborting: serialising a million-level object to measure it would overflow the stack.
    .refine((m) => isStorableJson(m, MAX_METADATA_DEPTH), {
      message: `metadata ${UNSTORABLE_MESSAGE} and nests at most ${MAX_METADATA_DEPTH} levels`,
      abort: true,
    })
    .refine((m) => new TextEncoder().encode(JSON.stringify(m)).length <= MAX_METADATA_BYTES, `metadata is at most ${MAX_METADATA_BYTES} bytes as JSON`)
    .optional(),
}).refine((e) => e.cachedPromptTokens === undefined || e.cachedPromptTokens <= e.promptTokens, {
  message: 'cachedPromptTokens is at most promptTokens',
  path: ['cachedPromptTokens'],
});
export type UsageEventInput = z.infer<typeof UsageEventInput>;

export const MAX_USAGE_BATCH = 5_000;

/** `POST /usage-events`: events are validated one by one, so good ones are kept when others are rejected. */
export const IngestUsageBody = z.object({ events: z.array(z.unknown()).min(1).max(MAX_USAGE_BATCH) });
export type IngestUsageBody = z.infer<typeof IngestUsageBody>;

export const IngestRejection = z.object({
  /** Position in the batch (JSON) or 1-based line number (import). */
  index: z.number().int().nonnegative().optional(),
  line: z.number().int().positive().optional(),
  id: z.string().optional(),
  message: z.string(),
  issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })).optional(),
});
export type IngestRejection = z.infer<typeof IngestRejection>;

export const IngestResult = z.object({
  accepted: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  /** The first rejections with their reasons (capped; `rejected` is the full count). */
  errors: z.array(IngestRejection),
  /** Models of stored events that had no `costUsd` and are not in the catalog: stored with cost 0. */
  unpricedModels: z.array(z.string()).optional(),
});
export type IngestResult = z.infer<typeof IngestResult>;

/** `POST /usage-events/import` (JSONL or CSV body of any size). */
export const ImportResult = IngestResult.extend({
  format: z.enum(['jsonl', 'csv']),
  lines: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
});
export type ImportResult = z.infer<typeof ImportResult>;

/** A progress line of an import streamed as NDJSON (`Accept: application/x-ndjson`); the last line is the result. */
export const ImportProgress = z.object({
  type: z.literal('progress'),
  lines: z.number().int().nonnegative(),
  accepted: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});
export type ImportProgress = z.infer<typeof ImportProgress>;

/** The lines of an NDJSON import response: progress lines, then exactly one `result` or `error` line. */
export const ImportStreamLine = z.discriminatedUnion('type', [
  ImportProgress,
  ImportResult.extend({ type: z.literal('result') }),
  z.object({
    type: z.literal('error'),
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  }),
]);
export type ImportStreamLine = z.infer<typeof ImportStreamLine>;

export const SyntheticUsageBody = z.object({
  days: z.number().int().min(1).max(365).default(30),
  requestsPerDay: z.number().int().min(1).max(100_000).default(2_000),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
});
export type SyntheticUsageBody = z.infer<typeof SyntheticUsageBody>;

export const SyntheticUsageResult = IngestResult.extend({ generated: z.number().int().nonnegative(), window: TimeWindow });
export type SyntheticUsageResult = z.infer<typeof SyntheticUsageResult>;

/** `GET /usage/summary?from&to` — defaults to the last 30 days. */
export const UsageSummaryQuery = z.object({ from: IsoDateTime.optional(), to: IsoDateTime.optional() });
export type UsageSummaryQuery = z.infer<typeof UsageSummaryQuery>;

const Aggregate = {
  requests: z.number().int().nonnegative(),
  promptTokens: z.number().nonnegative(),
  completionTokens: z.number().nonnegative(),
  costUsd: z.number().nonnegative(),
  errorRate: z.number().min(0).max(1),
  p50LatencyMs: z.number().nonnegative(),
  p95LatencyMs: z.number().nonnegative(),
  p99LatencyMs: z.number().nonnegative(),
};

export const UsageSummary = z.object({
  window: TimeWindow,
  totals: z.object(Aggregate),
  byModel: z.array(z.object({ model: z.string(), ...Aggregate })),
  byApp: z.array(z.object({ app: z.string(), ...Aggregate })),
  byDay: z.array(z.object({ day: z.string(), requests: z.number().int(), costUsd: z.number(), p95LatencyMs: z.number(), errorRate: z.number() })),
  /** For charts of cost, requests and p95 per model per day. */
  byDayAndModel: z.array(z.object({ day: z.string(), model: z.string(), requests: z.number().int(), costUsd: z.number(), p95LatencyMs: z.number() })),
  /** The same per app: the data page's charts by app. */
  byDayAndApp: z.array(z.object({ day: z.string(), app: z.string(), requests: z.number().int(), costUsd: z.number(), p95LatencyMs: z.number() })),
});
export type UsageSummary = z.infer<typeof UsageSummary>;

// ---- model catalog ------------------------------------------------------------------------------------

/** An entry of the model catalog: what a model costs and how good and fast it is. */
export const ModelCatalogEntry = z.object({
  id: z.uuid(),
  provider: z.string(),
  model: z.string(),
  inputPricePerMTok: z.number().nonnegative(),
  outputPricePerMTok: z.number().nonnegative(),
  qualityScore: z.number().min(0).max(100),
  contextWindow: z.number().int().positive(),
  typicalLatencyMs: z.number().int().nonnegative().nullable(),
  updatedAt: IsoDateTime,
});
export type ModelCatalogEntry = z.infer<typeof ModelCatalogEntry>;

export const CreateModelBody = z.object({
  provider: StorableString.min(1).max(64),
  model: StorableString.min(1).max(128),
  inputPricePerMTok: z.number().nonnegative().max(10_000),
  outputPricePerMTok: z.number().nonnegative().max(10_000),
  qualityScore: z.number().min(0).max(100),
  contextWindow: z.number().int().positive().max(100_000_000),
  typicalLatencyMs: z.number().int().nonnegative().max(600_000).optional(),
});
export type CreateModelBody = z.infer<typeof CreateModelBody>;

export const UpdateModelBody = CreateModelBody.partial().refine((b) => Object.keys(b).length > 0, 'nothing to update');
export type UpdateModelBody = z.infer<typeof UpdateModelBody>;

/**
 * `POST /models`, `PATCH /models/:id`: the entry, and the stored events it repriced — those whose cost came from
 * the catalog (sent without `costUsd`) under this model's name, in every workspace, rollups included.
 */
export const ModelChangeResult = ModelCatalogEntry.extend({
  repriced: z.object({ events: z.number().int().nonnegative(), workspaces: z.number().int().nonnegative() }),
});
export type ModelChangeResult = z.infer<typeof ModelChangeResult>;

export const ModelList = z.object({ data: z.array(ModelCatalogEntry) });
export type ModelList = z.infer<typeof ModelList>;

import { z } from 'zod';
import { Action, Intent, Kpi, Recommendation, Risk, TimeWindow } from '@netra/contracts';

export const TriageOutput = z.object({
  intent: Intent,
  window: TimeWindow,
  /** Models the user named that exist in their data or the catalog. */
  models: z.array(z.string()),
  /** Metrics the user cares about: cost, latency, quality, errors, tokens. */
  metrics: z.array(z.enum(['cost', 'latency', 'quality', 'errors', 'tokens'])),
  constraints: z.object({
    maxLatencyMs: z.number().positive().optional(),
    minQuality: z.number().min(0).max(100).optional(),
    monthlyBudgetUsd: z.number().positive().optional(),
  }),
  /** "+N% traffic" questions. */
  growthPct: z.number().optional(),
  followUp: z.boolean(),
  method: z.enum(['rules', 'llm']),
});
export type TriageOutput = z.infer<typeof TriageOutput>;

const Percentiles = {
  p50LatencyMs: z.number().nonnegative(),
  p95LatencyMs: z.number().nonnegative(),
  p99LatencyMs: z.number().nonnegative(),
};

export const Totals = z.object({
  requests: z.number().int().nonnegative(),
  promptTokens: z.number().nonnegative(),
  completionTokens: z.number().nonnegative(),
  costUsd: z.number().nonnegative(),
  errorRate: z.number().min(0).max(1),
  ...Percentiles,
});
export type Totals = z.infer<typeof Totals>;

export const ModelMetrics = Totals.extend({ model: z.string(), provider: z.string().nullable() });
export type ModelMetrics = z.infer<typeof ModelMetrics>;
export const AppMetrics = Totals.extend({ app: z.string() });
export type AppMetrics = z.infer<typeof AppMetrics>;
export const DayMetrics = z.object({
  day: z.string(),
  requests: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  p95LatencyMs: z.number().nonnegative(),
  errorRate: z.number().min(0).max(1),
});
export type DayMetrics = z.infer<typeof DayMetrics>;

export const DataOutput = z.object({
  window: TimeWindow,
  dataAvailable: z.boolean(),
  totals: Totals,
  byModel: z.array(ModelMetrics),
  byApp: z.array(AppMetrics),
  byDay: z.array(DayMetrics),
  /** Share of requests whose prompt hash was already seen in the window, and what they cost. */
  duplicatePrompts: z.object({ share: z.number().min(0).max(1), requests: z.number().int(), costUsd: z.number() }),
});
export type DataOutput = z.infer<typeof DataOutput>;

export const OptimizationOutput = z.object({
  /** Cost of the window scaled to 30 days. */
  monthlyCostUsd: z.number().nonnegative(),
  recommendations: z.array(Recommendation),
});
export type OptimizationOutput = z.infer<typeof OptimizationOutput>;

export const ActionsOutput = z.object({
  actions: z.array(Action),
  risks: z.array(Risk),
  kpis: z.array(Kpi),
});
export type ActionsOutput = z.infer<typeof ActionsOutput>;

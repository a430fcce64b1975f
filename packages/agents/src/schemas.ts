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
    /** The provider's requests-per-minute limit, for growth headroom. */
    rateLimitRpm: z.number().positive().optional(),
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

export const WorkloadMetrics = Totals.extend({ app: z.string(), model: z.string() });
export type WorkloadMetrics = z.infer<typeof WorkloadMetrics>;

export const CacheByWorkload = z.object({
  app: z.string(),
  model: z.string(),
  requests: z.number().int().nonnegative(),
  repeats: z.number().int().nonnegative(),
  repeatCostUsd: z.number().nonnegative(),
  /** False when the distinct prompts were estimated from the sketch (docs/ANALYTICS.md). */
  exact: z.boolean().optional(),
});

export const AnomalyOutput = z.object({
  day: z.string(),
  metric: z.enum(['requests', 'costUsd', 'errorRate', 'p95LatencyMs']),
  value: z.number(),
  expected: z.number(),
  score: z.number(),
});

export const DataOutput = z.object({
  window: TimeWindow,
  dataAvailable: z.boolean(),
  /** Days of data in the window (partial days counted by the fraction covered): the base of monthly figures. */
  observedDays: z.number().nonnegative(),
  totals: Totals,
  byModel: z.array(ModelMetrics),
  byApp: z.array(AppMetrics),
  byDay: z.array(DayMetrics),
  workloads: z.array(WorkloadMetrics),
  /** Share of requests whose prompt hash was already seen in the window, and what they cost. */
  duplicatePrompts: z.object({ share: z.number().min(0).max(1), requests: z.number().int(), costUsd: z.number() }),
  cacheByWorkload: z.array(CacheByWorkload),
  anomalies: z.array(AnomalyOutput),
});
export type DataOutput = z.infer<typeof DataOutput>;

export const RoutingOptionOutput = z.object({
  app: z.string(),
  fromModel: z.string(),
  toModel: z.string(),
  toProvider: z.string(),
  requests: z.number().int(),
  currentCostUsd: z.number(),
  projectedCostUsd: z.number(),
  savingsUsd: z.number(),
  qualityFrom: z.number(),
  qualityTo: z.number(),
  latencyFromMs: z.number().nullable(),
  latencyToMs: z.number().nullable(),
  qualityFloor: z.number(),
  latencyCeilingMs: z.number().nullable(),
});

export const BatchingOutput = z.object({
  app: z.string(),
  requests: z.number().int(),
  costUsd: z.number(),
  peakHoursShare: z.number(),
  taggedBatchShare: z.number(),
  eligible: z.boolean(),
  savingsUsd: z.number(),
});

export const GrowthOutput = z.object({
  growthPct: z.number(),
  monthlyCostUsd: z.number(),
  projectedMonthlyCostUsd: z.number(),
  byModel: z.array(
    z.object({
      model: z.string(),
      peakRpm: z.number(),
      projectedPeakRpm: z.number(),
      peakTpm: z.number(),
      projectedPeakTpm: z.number(),
      rpmHeadroomPct: z.number().nullable(),
    }),
  ),
});

export const OptimizationOutput = z.object({
  /** Cost of the window scaled to 30 days. */
  monthlyCostUsd: z.number().nonnegative(),
  /** What all recommendations save together (overlaps removed, see combinedSavings). */
  combinedMonthlySavingsUsd: z.number().nonnegative(),
  recommendations: z.array(Recommendation),
  /** The simulations behind the recommendations, for inspection and reproduction. */
  routing: z.array(RoutingOptionOutput),
  batching: z.array(BatchingOutput),
  growth: GrowthOutput.optional(),
});
export type OptimizationOutput = z.infer<typeof OptimizationOutput>;

export const ActionsOutput = z.object({
  actions: z.array(Action),
  risks: z.array(Risk),
  kpis: z.array(Kpi),
});
export type ActionsOutput = z.infer<typeof ActionsOutput>;

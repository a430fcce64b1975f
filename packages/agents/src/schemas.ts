import { z } from 'zod';
import { Action, ComparisonRow, Forecast, Intent, Kpi, Recommendation, Risk, Scope, TimeWindow } from '@netra/contracts';

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
  /** What the question is about, matched against the workspace's names (absent in checkpoints from before). */
  scope: Scope.optional(),
  /** Within an intent, what to lead with: "which app costs most" (attribution), a cache audit (caching). */
  focus: z.enum(['attribution', 'caching']).optional(),
  /** "This week vs last week": the window before `window`, of equal length, to compare with. */
  comparisonWindow: TimeWindow.optional(),
  /** "By team", "which feature": the metadata dimension (or `app` / `model`) a cost question groups by. */
  attributeBy: z.string().optional(),
  /** Catalog models the question names that the workspace does not use (a comparison includes them). */
  catalogModels: z.array(z.string()).optional(),
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

export const WorkloadMetrics = Totals.extend({
  app: z.string(),
  model: z.string(),
  /** Prompt tokens the provider served from its prompt cache (reported by the client). */
  cachedPromptTokens: z.number().nonnegative().optional(),
  /** Mean reported quality (0..100) and how many calls reported one: evidence for a switch. */
  qualityScore: z.number().nullable().optional(),
  qualityReports: z.number().int().nonnegative().optional(),
});
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

export const LatencyProfileOutput = z.object({
  app: z.string(),
  model: z.string().nullable(),
  requests: z.number().int(),
  p50LatencyMs: z.number(),
  p95LatencyMs: z.number(),
  p99LatencyMs: z.number(),
  streamedShare: z.number(),
  ttftP50Ms: z.number().nullable(),
  ttftP95Ms: z.number().nullable(),
  completionTokensP50: z.number(),
  completionTokensP90: z.number(),
  completionTokensP95: z.number(),
  promptTokensP50: z.number(),
  promptTokensP95: z.number(),
  generationMsPerToken: z.number().nullable(),
  ttftShareOfP95: z.number().nullable(),
  cause: z.enum(['generation_length', 'time_to_first_token', 'prompt_size', 'unknown']),
  explanation: z.string(),
});
export type LatencyProfileOutput = z.infer<typeof LatencyProfileOutput>;

export const DimensionShareOutput = z.object({
  key: z.string(),
  values: z.array(z.object({ value: z.string(), requests: z.number().int(), costUsd: z.number(), share: z.number() })),
  taggedCostUsd: z.number(),
});

export const ErrorProfileOutput = z.object({
  app: z.string(),
  model: z.string().nullable(),
  requests: z.number().int(),
  errors: z.number().int(),
  errorRate: z.number(),
  bursts: z.array(z.object({ day: z.string(), errors: z.number().int(), errorRate: z.number() })),
  failedCostUsd: z.number(),
});

export const AnomalyCauseOutput = AnomalyOutput.extend({
  app: z.string().nullable(),
  model: z.string().nullable(),
  driverValue: z.number().nullable(),
  driverExpected: z.number().nullable(),
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
  /** The scope the figures cover (everything but Netra's own calls when the question named nothing). */
  scope: Scope.optional(),
  /** A scoped latency question: the whole workspace's p95 and its apps', to compare the scope with. */
  overall: z.object({ p95LatencyMs: z.number(), byApp: z.array(z.object({ app: z.string(), p95LatencyMs: z.number() })) }).optional(),
  /** Period comparisons: the same figures over the comparison window, by app. */
  previousPeriod: z
    .object({
      window: TimeWindow,
      totals: Totals,
      byApp: z.array(z.object({ app: z.string(), requests: z.number().int(), costUsd: z.number(), p95LatencyMs: z.number(), errorRate: z.number() })),
    })
    .optional(),
  /** Latency questions: decomposition per app and workload. */
  latency: z.array(LatencyProfileOutput).optional(),
  /** Cost questions: spend by metadata dimension (team, user, feature…). */
  dimensions: z.array(DimensionShareOutput).optional(),
  /** Error questions: rate, bursts and the cost of failed calls per app and workload. */
  errors: z.array(ErrorProfileOutput).optional(),
  /** Monitoring questions: each anomaly with the app and model that drove it. */
  anomalyCauses: z.array(AnomalyCauseOutput).optional(),
  /** Model comparisons: the models side by side. */
  comparison: z.array(ComparisonRow).optional(),
  /** Growth and forecast questions: the next 30 days. */
  forecast: Forecast.optional(),
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
  /** Below max($1, 0.5 % of monthly spend): listed, not planned. */
  minorRecommendations: z.array(Recommendation).default([]),
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

import { z } from 'zod';
import { IsoDateTime } from './common.js';

/** What the user asked for, as classified by the triage agent. */
export const Intent = z.enum([
  'workload_analysis',
  'cost_optimization',
  'latency_optimization',
  'quality_optimization',
  'model_selection',
  'catalog',
  'monitoring',
  'error_analysis',
  'forecast',
  'general',
]);
export type Intent = z.infer<typeof Intent>;

export const Strategy = z.enum(['model_routing', 'caching', 'prompt_caching', 'batching', 'prompt_trimming', 'output_cap', 'streaming', 'retry_reduction', 'capacity', 'other']);
export type Strategy = z.infer<typeof Strategy>;

/** `unverified`: no quality evidence for the change (e.g. a switch across providers): shadow-test it first. */
export const QualityRisk = z.enum(['none', 'low', 'medium', 'high', 'unverified']);

export const TimeWindow = z.object({ from: IsoDateTime, to: IsoDateTime });
export type TimeWindow = z.infer<typeof TimeWindow>;

export const ModelState = z.object({
  model: z.string(),
  requests: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  p95LatencyMs: z.number().nonnegative(),
});

export const CurrentState = z.object({
  requests: z.number().int().nonnegative(),
  totalCostUsd: z.number().nonnegative(),
  p95LatencyMs: z.number().nonnegative(),
  errorRate: z.number().min(0).max(1),
  byModel: z.array(ModelState),
});
export type CurrentState = z.infer<typeof CurrentState>;

export const Recommendation = z.object({
  title: z.string(),
  strategy: Strategy,
  /** The calling application (workload) it applies to; absent for fleet-wide advice. */
  app: z.string().optional(),
  /** The model it changes (the one traffic moves away from, for routing). */
  model: z.string().optional(),
  /** What the estimate assumes (a hit rate, a share of trimmed tokens…), to validate before trusting the figure. */
  assumptions: z.array(z.string()).optional(),
  estimatedMonthlySavingsUsd: z.number(),
  latencyImpactPct: z.number().optional(),
  qualityRisk: QualityRisk,
  rationale: z.string().optional(),
  steps: z.array(z.string()),
});
export type Recommendation = z.infer<typeof Recommendation>;

export const ActionKind = z.enum(['config', 'routing_rule', 'code_change', 'validation', 'rollout', 'rollback', 'monitoring', 'data']);

export const Action = z.object({
  order: z.number().int().positive(),
  title: z.string(),
  kind: ActionKind,
  detail: z.string(),
  validation: z.string().optional(),
  rollback: z.string().optional(),
});
export type Action = z.infer<typeof Action>;

export const Risk = z.object({
  risk: z.string(),
  severity: z.enum(['low', 'medium', 'high']),
  mitigation: z.string(),
});
export type Risk = z.infer<typeof Risk>;

export const Kpi = z.object({
  name: z.string(),
  unit: z.string(),
  baseline: z.number().nullable(),
  target: z.number().nullable(),
});
export type Kpi = z.infer<typeof Kpi>;

/** What a question was about: empty lists mean everything. Names are the workspace's own (matched by triage). */
export const Scope = z.object({
  apps: z.array(z.string()),
  models: z.array(z.string()),
  /** Metadata dimensions (USAGE_DIMENSIONS) and the values asked about: `{ "team": ["search"] }`. */
  dimensions: z.record(z.string(), z.array(z.string())),
  /** Providers named ("our anthropic spend"): their models in the workspace are in `models`. */
  providers: z.array(z.string()).optional(),
  /** Names in the question the workspace has no data for (answered as unknown). */
  unknown: z.array(z.string()).optional(),
});
export type Scope = z.infer<typeof Scope>;

export const FindingMetric = z.enum([
  'costUsd',
  'monthlyCostUsd',
  'costShare',
  'requests',
  'p50LatencyMs',
  'p95LatencyMs',
  'p99LatencyMs',
  'ttftP95Ms',
  'generationMsPerToken',
  'errorRate',
  'errors',
  'promptTokens',
  'completionTokens',
  'repeatShare',
  'peakRpm',
  'growthPct',
]);
export type FindingMetric = z.infer<typeof FindingMetric>;

/** A measured fact behind the answer: every value is computed from the usage data. */
export const Finding = z.object({
  title: z.string(),
  detail: z.string(),
  metric: FindingMetric,
  value: z.number(),
  /** `usd`, `ms`, `ratio` (0..1), `requests`, `tokens`, `rpm`, `pct`. */
  unit: z.enum(['usd', 'ms', 'ratio', 'requests', 'tokens', 'rpm', 'pct']),
  app: z.string().optional(),
  model: z.string().optional(),
  /** A metadata dimension value: `{ key: "team", value: "search" }`. */
  dimension: z.object({ key: z.string(), value: z.string() }).optional(),
});
export type Finding = z.infer<typeof Finding>;

/** One model of a comparison, on this workspace's own traffic in the window. */
export const ComparisonRow = z.object({
  model: z.string(),
  /** False for a model the workspace does not use: figures from the catalog only (requests 0). */
  inData: z.boolean(),
  requests: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  costPer1kRequestsUsd: z.number().nonnegative().nullable(),
  p50LatencyMs: z.number().nonnegative().nullable(),
  p95LatencyMs: z.number().nonnegative().nullable(),
  errorRate: z.number().min(0).max(1).nullable(),
  qualityScore: z.number().nullable(),
  inputPricePerMTok: z.number().nonnegative().nullable(),
  outputPricePerMTok: z.number().nonnegative().nullable(),
});
export type ComparisonRow = z.infer<typeof ComparisonRow>;

/** The next `horizonDays` of spend from a fit of the daily series (trend + weekly seasonality), with an interval. */
export const Forecast = z.object({
  horizonDays: z.number().int().positive(),
  /** Spend of the last `horizonDays` observed (scaled to the horizon when fewer days were observed). */
  baselineUsd: z.number().nonnegative(),
  projectedUsd: z.number().nonnegative(),
  lowUsd: z.number().nonnegative(),
  highUsd: z.number().nonnegative(),
  /** Projected against baseline, in percent. */
  growthPct: z.number(),
  /** When the question named a growth ("if traffic doubles"): the projection with it, and after the plan. */
  scenarioGrowthPct: z.number().optional(),
  scenarioUsd: z.number().nonnegative().optional(),
  afterPlanUsd: z.number().nonnegative().optional(),
  method: z.string(),
});
export type Forecast = z.infer<typeof Forecast>;

/** Who wrote the prose of a report, and whether the LLM layer had to fall back. */
export const GeneratedBy = z.object({
  provider: z.string(),
  model: z.string(),
  fallback: z.boolean(),
});

/**
 * The final answer of a run (SPEC §4). Every number is computed from the user's usage data or the model
 * catalog; the LLM only writes prose around them.
 */
export const Report = z.object({
  summary: z.string(),
  intent: Intent,
  window: TimeWindow,
  dataAvailable: z.boolean(),
  /** What the question was about (absent in reports written before scopes existed). */
  scope: Scope.optional(),
  /** The measured facts behind the answer, the most relevant first. */
  findings: z.array(Finding).default([]),
  /** Model comparisons: the models side by side on this workload. */
  comparison: z.array(ComparisonRow).optional(),
  forecast: Forecast.optional(),
  /** "This week vs last week": the same figures over the comparison window (the window before, of equal length). */
  previousPeriod: z
    .object({
      window: TimeWindow,
      requests: z.number().int().nonnegative(),
      totalCostUsd: z.number().nonnegative(),
      p95LatencyMs: z.number().nonnegative(),
      errorRate: z.number().min(0).max(1),
    })
    .optional(),
  currentState: CurrentState,
  /** The plan: recommendations worth at least max($1, 0.5 % of monthly spend), ranked by savings. */
  recommendations: z.array(Recommendation),
  /** Recommendations below that bar: listed, not planned. */
  minorRecommendations: z.array(Recommendation).default([]),
  /**
   * Applying every recommendation together. Savings of different strategies for one app overlap, so this is less
   * than the sum of the recommendations' savings (see `combinedSavings` in @netra/agents).
   */
  projected: z
    .object({
      monthlyCostUsd: z.number().nonnegative(),
      monthlySavingsUsd: z.number(),
      savingsPct: z.number(),
    })
    .optional(),
  actions: z.array(Action),
  risks: z.array(Risk),
  kpis: z.array(Kpi),
  generatedBy: GeneratedBy,
});
export type Report = z.infer<typeof Report>;

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
  'general',
]);
export type Intent = z.infer<typeof Intent>;

export const Strategy = z.enum(['model_routing', 'caching', 'batching', 'prompt_trimming', 'capacity', 'other']);
export type Strategy = z.infer<typeof Strategy>;

export const QualityRisk = z.enum(['none', 'low', 'medium', 'high']);

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
  currentState: CurrentState,
  recommendations: z.array(Recommendation),
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

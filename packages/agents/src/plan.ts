import { z } from 'zod';
import type { LlmTool } from '@netra/llm';
import type { TriageOutput } from './schemas.js';
import type { AgentContext } from './types.js';

/**
 * The data agent's tool registry: what each tool reads, and the zod schema of its arguments — the one source of the
 * JSON Schemas a model sees (function calling) and of the validation its calls go through.
 */
export const DATA_TOOLS = {
  usage_metrics: {
    description: 'Requests, tokens, cost, p50/p95/p99 latency and error rate of the scope by model, app, day and workload (always runs).',
    args: z.object({}).strict(),
  },
  cache_opportunity: {
    description: 'Share and cost of requests that repeat an earlier prompt exactly, per workload (what a response cache would serve).',
    args: z.object({}).strict(),
  },
  latency_decomposition: {
    description: 'Per app and workload: p50/p95/p99, time to first token, output and prompt token distributions, generation time per token, and the cause of the tail.',
    args: z.object({}).strict(),
  },
  spend_by_dimension: {
    description: 'Spend by metadata dimension (team, user, feature…): the most expensive values of each key.',
    args: z.object({}).strict(),
  },
  error_profile: {
    description: 'Error rate, failed calls, bursts by day and the cost of failed calls, per app and workload.',
    args: z.object({}).strict(),
  },
  anomaly_causes: {
    description: 'Days far from the trend in requests, cost, error rate or p95, each with the app and model that drove it.',
    args: z.object({}).strict(),
  },
  compare_models: {
    description: 'Models side by side on this traffic: cost per 1,000 requests, p50/p95, error rate, catalog quality and prices.',
    args: z.object({}).strict(),
  },
  forecast_spend: {
    description: 'Spend of the next days from the daily series (trend and weekly seasonality) with a 95 % interval; optionally a traffic growth scenario.',
    args: z.object({ horizonDays: z.number().int().min(7).max(90).optional(), growthPct: z.number().min(-100).max(10_000).optional() }).strict(),
  },
} as const;

export type DataToolName = keyof typeof DATA_TOOLS;
export const DATA_TOOL_NAMES = Object.keys(DATA_TOOLS) as DataToolName[];
export interface PlannedCall {
  tool: DataToolName;
  args: Record<string, unknown>;
}

/** At most this many tool calls in a plan (a model asking for more is refused, and the rules plan instead). */
export const MAX_PLANNED_CALLS = 8;

/** The registry as function-calling tools. */
export const PLAN_TOOLS: LlmTool[] = DATA_TOOL_NAMES.map((name) => ({
  name,
  description: DATA_TOOLS[name].description,
  parameters: z.toJSONSchema(DATA_TOOLS[name].args) as Record<string, unknown>,
}));

/** The rules' plan for an intent: what `local` answers, and the fallback whenever a model's plan is unusable. */
export function rulePlan(triage: Pick<TriageOutput, 'intent' | 'growthPct' | 'scope'>): PlannedCall[] {
  const plan: PlannedCall[] = [{ tool: 'usage_metrics', args: {} }, { tool: 'cache_opportunity', args: {} }];
  const add = (tool: DataToolName, args: Record<string, unknown> = {}) => plan.push({ tool, args });
  switch (triage.intent) {
    case 'latency_optimization':
      add('latency_decomposition');
      break;
    case 'error_analysis':
      add('error_profile');
      break;
    case 'monitoring':
      add('anomaly_causes');
      break;
    case 'model_selection':
      add('compare_models');
      break;
    case 'cost_optimization':
    case 'general':
    case 'workload_analysis':
      add('spend_by_dimension');
      break;
    default:
      break;
  }
  if (triage.intent === 'forecast' || triage.growthPct !== undefined) add('forecast_spend', { horizonDays: 30, ...(triage.growthPct === undefined ? {} : { growthPct: triage.growthPct }) });
  return plan;
}

const PlanAnswer = z.object({
  tool_calls: z.array(z.object({ name: z.enum(DATA_TOOL_NAMES as [DataToolName, ...DataToolName[]]), arguments: z.unknown() })).min(1).max(MAX_PLANNED_CALLS),
});

/**
 * A model's plan, validated: known tools only, each call's arguments against its schema (a JSON object, or nothing
 * for tools without arguments), at most MAX_PLANNED_CALLS. Null when anything is off: the caller uses the rules.
 * `usage_metrics` always runs, so it is added when the model left it out.
 */
export function parsePlan(text: string): PlannedCall[] | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Prose instead of tool calls: no plan.
    return null;
  }
  const answer = PlanAnswer.safeParse(json);
  if (!answer.success) return null;
  const plan: PlannedCall[] = [];
  for (const call of answer.data.tool_calls) {
    const args = DATA_TOOLS[call.name].args.safeParse(call.arguments ?? {});
    if (!args.success) return null;
    if (!plan.some((p) => p.tool === call.name)) plan.push({ tool: call.name, args: args.data });
  }
  if (!plan.some((p) => p.tool === 'usage_metrics')) plan.unshift({ tool: 'usage_metrics', args: {} });
  return plan;
}

const SYSTEM = [
  'You plan the data analysis of Netra, which analyses a team\'s LLM usage to answer their question.',
  'Call the tools whose results the answer needs (usually two to four), with the arguments their schemas allow.',
  'Do not answer in prose: only call tools.',
].join(' ');

/**
 * Which tools the data agent runs: the model's choice by function calling over DATA_TOOLS when a model is
 * configured (one bounded step, every call through the LLM client's cache, breaker and fallbacks), the rules'
 * plan otherwise — and whenever the model's plan does not validate.
 */
export async function planTools(ctx: AgentContext, triage: TriageOutput): Promise<{ plan: PlannedCall[]; source: 'model' | 'rules' }> {
  const rules = rulePlan(triage);
  const answer = await ctx.llm.complete({
    purpose: 'plan',
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: JSON.stringify({ question: ctx.request, intent: triage.intent, scope: triage.scope ?? null, growthPct: triage.growthPct ?? null }) },
    ],
    tools: PLAN_TOOLS,
    temperature: 0,
    deterministic: () => JSON.stringify({ tool_calls: rules.map((c) => ({ name: c.tool, arguments: c.args })) }),
    accept: (text) => parsePlan(text) !== null,
    signal: ctx.signal,
    workspace: ctx.userId,
  });
  const plan = parsePlan(answer.text);
  if (!plan) return { plan: rules, source: 'rules' };
  return { plan, source: answer.provider === 'local' ? 'rules' : 'model' };
}

import { z } from 'zod';
import { Intent, type Report } from '@netra/contracts';
import { completeJson } from '@netra/llm';
import { TriageOutput } from '../schemas.js';
import type { Agent } from '../types.js';
import { CatalogService, canonicalModel } from '@netra/usage';
import { catalogModelsNamed, resolveScope, workspaceNames, type WorkspaceNames } from '../scope.js';

const DAY_MS = 86_400_000;

/** First match wins: the specific intents before the broad ones ("compare latency" is a comparison). */
const INTENT_RULES: [Intent, RegExp][] = [
  ['model_selection', /\b(which model|compare|comparison|switch(ing)? (to|model)|alternative model|vs\.?|versus|side by side)\b/i],
  ['error_analysis', /\b(errors?|error rate|fail\w*|retr(y|ies)|timeouts?|429s?|5\d\ds?)\b/i],
  ['workload_analysis', /\b(what if|doubl\w*|tripl\w*|grow\w*)\b/i],
  ['forecast', /\b(forecast\w*|project(ion|ed)?|predict\w*|next (month|quarter|\d+ days)|end of (the )?month|run[- ]rate)\b/i],
  ['latency_optimization', /\b(latenc\w*|slow\w*|faster|speed|p9[59]|p50|ttft|response time|time to first token)\b/i],
  ['cost_optimization', /\b(cost\w*|cheap\w*|spend\w*|bill\w*|budget|sav(e|ing)s?|price|expens\w*|cach\w*)\b/i],
  ['quality_optimization', /\b(quality|accura\w*|hallucinat\w*|eval\w*)\b/i],
  ['catalog', /\b(catalog|price list|pricing of)\b/i],
  ['monitoring', /\b(monitor\w*|alert\w*|anomal\w*|spike\w*|unusual|dashboard|incident\w*)\b/i],
  ['workload_analysis', /\b(usage|workload|traffic|analy[sz]\w*|breakdown|overview|trend\w*)\b/i],
];

/** Within cost: "which app costs most" leads with attribution, "how much would caching save" with the cache audit. */
export function focusOf(text: string, intent: Intent): TriageOutput['focus'] {
  if (intent !== 'cost_optimization') return undefined;
  if (/\b(cach\w*|repeat\w*|duplicate\w*)\b/i.test(text)) return 'caching';
  if (/\b(which|who|what)\b.*\b(app|apps|team|teams|model|models|feature|features|user|users)\b|\bby (app|team|model|feature|user)\b|\bbreak(down| down)\b|\bmost\b/i.test(text)) return 'attribution';
  return undefined;
}

/**
 * The last `days` UTC calendar days, today included: [midnight `days − 1` days ago, next midnight). Whole days, so
 * the analysis reads only daily rollups (no raw events at the edges) and the daily series has no cut-off first
 * day; today's part runs up to now (nothing later exists), which `observedDays` accounts for.
 */
export function lastDays(days: number, now: Date): { from: string; to: string } {
  const tomorrow = (Math.floor(now.getTime() / DAY_MS) + 1) * DAY_MS;
  return { from: new Date(tomorrow - days * DAY_MS).toISOString(), to: new Date(tomorrow).toISOString() };
}

/** A window widened to whole UTC days (a report written before windows were whole days). */
function wholeDays(window: { from: string; to: string }): { from: string; to: string } {
  const from = Math.floor(Date.parse(window.from) / DAY_MS) * DAY_MS;
  const to = Math.ceil(Date.parse(window.to) / DAY_MS) * DAY_MS;
  return { from: new Date(from).toISOString(), to: new Date(Math.max(to, from + DAY_MS)).toISOString() };
}

/** Parses "last 7 days", "past 2 weeks", "last month"; default 30 days (whole UTC days, today included). */
export function parseWindow(text: string, now: Date): { from: string; to: string } {
  const m = /\b(?:last|past|previous)\s+(\d{1,5})?\s*(day|week|month)s?\b/i.exec(text);
  let days = 30;
  if (m) {
    const n = m[1] ? Number(m[1]) : 1;
    const unit = (m[2] ?? 'day').toLowerCase();
    days = unit === 'week' ? n * 7 : unit === 'month' ? n * 30 : n;
  }
  days = Math.min(Math.max(days, 1), 366);
  return lastDays(days, now);
}

export function classify(text: string): Intent {
  for (const [intent, re] of INTENT_RULES) if (re.test(text)) return intent;
  return 'general';
}

function growth(text: string): number | undefined {
  if (/\bdoubl\w*\b/i.test(text)) return 100;
  if (/\btripl\w*\b/i.test(text)) return 200;
  const m = /([+-]?\d{1,4})\s*%\s*(more|growth|increase|traffic)?/i.exec(text);
  return m && /grow|traffic|more|increase|what if/i.test(text) ? Number(m[1]) : undefined;
}

function constraints(text: string): TriageOutput['constraints'] {
  const out: TriageOutput['constraints'] = {};
  const latency = /(?:under|below|<|max(?:imum)?|at most)\s*(\d{2,6})\s*ms/i.exec(text);
  if (latency) out.maxLatencyMs = Number(latency[1]);
  const seconds = /(?:under|below|<|at most)\s*(\d{1,3}(?:\.\d+)?)\s*s(?:ec(?:onds?)?)?\b/i.exec(text);
  if (!out.maxLatencyMs && seconds) out.maxLatencyMs = Math.round(Number(seconds[1]) * 1000);
  const quality = /quality\s*(?:of|>=|≥|at least|above)?\s*(\d{1,3})/i.exec(text);
  if (quality) out.minQuality = Math.min(100, Number(quality[1]));
  const budget = /\$\s?(\d[\d,]*(?:\.\d+)?)\s*(?:\/|per)?\s*(?:mo|month)/i.exec(text);
  if (budget?.[1]) out.monthlyBudgetUsd = Number(budget[1].replace(/,/g, ''));
  const rpm = /(\d[\d,]*)\s*(?:rpm|requests?\s*(?:per|\/)\s*min(?:ute)?)/i.exec(text);
  if (rpm?.[1]) out.rateLimitRpm = Number(rpm[1].replace(/,/g, ''));
  return out;
}

const METRIC_WORDS: [TriageOutput['metrics'][number], RegExp][] = [
  ['cost', /\b(cost|spend|price|budget|sav)/i],
  ['latency', /\b(latenc|slow|fast|p9|ttft)/i],
  ['quality', /\b(quality|accura)/i],
  ['errors', /\b(error|fail)/i],
  ['tokens', /\btoken/i],
];

/** True when the text names a time window (otherwise a follow-up keeps the previous report's window). */
function namesWindow(text: string): boolean {
  return /\b(?:last|past|previous)\s+(\d{1,5})?\s*(day|week|month)s?\b/i.test(text);
}

const MODEL_NAMES = /\b(gpt-[\w.-]+|o\d[\w.-]*|claude-[\w.-]+|gemini-[\w.-]+|llama-?[\w.-]*|mistral-[\w.-]+|deepseek-[\w.-]+)\b/gi;

/** The rule-based triage: the fallback of the LLM, and its whole answer with the `local` provider. */
export function triageByRules(text: string, now: Date, previous: Report | null, names?: WorkspaceNames, catalogModels: readonly string[] = [], providerOf: ReadonlyMap<string, string> = new Map()): Omit<TriageOutput, 'method'> {
  const period = comparedPeriod(text, now);
  // "this week vs last week" compares periods, not models: classify what is left.
  let intent = classify(period ? text.replace(PERIOD_COMPARISON, ' ') : text);
  const growthPct = growth(text);
  if (previous && (intent === 'general' || (intent === 'workload_analysis' && growthPct !== undefined))) {
    // "and what if traffic doubles?" continues the previous analysis.
    intent = growthPct !== undefined ? 'workload_analysis' : previous.intent;
  }
  const metrics = METRIC_WORDS.filter(([, re]) => re.test(text)).map(([m]) => m);
  return {
    intent,
    window: period?.window ?? (previous && !namesWindow(text) ? wholeDays(previous.window) : parseWindow(text, now)),
    ...(period ? { comparisonWindow: period.previous } : {}),
    models: Array.from(new Set((text.match(MODEL_NAMES) ?? []).map((m) => m.toLowerCase()))),
    metrics: metrics.length > 0 ? metrics : ['cost', 'latency'],
    constraints: constraints(text),
    ...(growthPct === undefined ? {} : { growthPct }),
    ...(names ? scoped(text, names, catalogModels, previous, providerOf) : {}),
    ...(focusOf(text, intent) ? { focus: focusOf(text, intent) } : {}),
    ...(attributeByOf(text, names) ? { attributeBy: attributeByOf(text, names) } : {}),
    followUp: previous !== null,
  };
}

/** "this week vs last week", "compared with last month", "week over week": a period against the one before it. */
const PERIOD_COMPARISON = /\b(?:this|the last|last)\s+(week|month|(\d{1,3})\s+days)\s+(?:vs\.?|versus|compared (?:to|with)|against)\s+(?:the\s+)?(?:last|previous|prior|one before)(?:\s+(?:week|month|\d{1,3}\s+days|one))?\b|\b(?:vs\.?|versus|compared (?:to|with)|than)\s+(?:the\s+)?(?:last|previous|prior)\s+(week|month|(\d{1,3})\s+days)\b|\b(week|month)[- ]over[- ](?:week|month)\b/i;

/** The window of a period comparison and the one before it, of equal length (whole UTC days, today included). */
export function comparedPeriod(text: string, now: Date): { window: { from: string; to: string }; previous: { from: string; to: string } } | null {
  const m = PERIOD_COMPARISON.exec(text);
  if (!m) return null;
  const unit = (m[1] ?? m[3] ?? m[5] ?? 'week').toLowerCase();
  const n = Number(m[2] ?? m[4] ?? 0);
  const days = n > 0 ? Math.min(n, 183) : unit === 'month' ? 30 : 7;
  const window = lastDays(days, now);
  const from = Date.parse(window.from);
  return { window, previous: { from: new Date(from - days * DAY_MS).toISOString(), to: window.from } };
}

/** "by team", "each feature", "which user": the dimension a question groups spend by (one the workspace has). */
export function attributeByOf(text: string, names: WorkspaceNames | undefined): string | undefined {
  for (const key of Object.keys(names?.dimensions ?? {})) {
    if (new RegExp(`\\b(by|each|per|which|every|what|all)\\s+(the\\s+)?${key}s?\\b|\\b${key}s?\\s+(spend|spends|cost|costs|breakdown)\\b`, 'i').test(text)) return key;
  }
  return undefined;
}

/** The question's scope; a follow-up that names nothing keeps the previous report's. */
function scoped(text: string, names: WorkspaceNames, catalogModels: readonly string[], previous: Report | null, providerOf: ReadonlyMap<string, string>): Pick<TriageOutput, 'scope' | 'catalogModels'> {
  const scope = resolveScope(text, names, catalogModels, providerOf);
  const named = scope.apps.length + scope.models.length + Object.keys(scope.dimensions).length + (scope.unknown?.length ?? 0) > 0;
  const kept = !named && previous?.scope ? { ...previous.scope, unknown: [] } : scope;
  const extra = catalogModelsNamed(text, names, catalogModels);
  return { scope: kept, ...(extra.length > 0 ? { catalogModels: extra } : {}) };
}

/** What the model is asked for: the same fields, the window as a number of days. */
const TriageAnswer = z.object({
  intent: Intent,
  days: z.number().int().min(1).max(366).nullable(),
  models: z.array(z.string().max(64)).max(20),
  metrics: TriageOutput.shape.metrics,
  constraints: TriageOutput.shape.constraints,
  growthPct: z.number().min(-100).max(10_000).nullable(),
});

const SYSTEM = [
  'You classify requests to Netra, which analyses a team\'s LLM usage (cost, latency, quality).',
  `Answer with one JSON object: {"intent": one of ${Intent.options.join('|')}, "days": analysis window in days or null,`,
  '"models": model names mentioned, "metrics": subset of cost|latency|quality|errors|tokens,',
  '"constraints": {"maxLatencyMs"?, "minQuality"? (0-100), "monthlyBudgetUsd"?, "rateLimitRpm"?}, "growthPct": traffic growth in % or null}.',
  'Only extract what the user said; never invent numbers.',
].join(' ');

/** Classifies the request with the LLM, falling back to the rules when the answer is unusable. */
export const triageAgent: Agent<'triage'> = {
  name: 'triage',
  callsModel: true,
  output: TriageOutput,
  input: (ctx) => ({ request: ctx.request, followUp: ctx.previousReport !== null }),
  async run(ctx) {
    const [names, catalog] = await Promise.all([workspaceNames(ctx.db, ctx.userId), new CatalogService(ctx.db).snapshot()]);
    const providerOf = new Map(catalog.map((m) => [canonicalModel(m.model), m.provider]));
    const rules = triageByRules(ctx.request, ctx.now, ctx.previousReport, names, catalog.map((m) => m.model), providerOf);
    const days = Math.round((Date.parse(rules.window.to) - Date.parse(rules.window.from)) / DAY_MS);
    const deterministic = () =>
      JSON.stringify({
        intent: rules.intent,
        days: namesWindow(ctx.request) ? days : null,
        models: rules.models,
        metrics: rules.metrics,
        constraints: rules.constraints,
        growthPct: rules.growthPct ?? null,
      });
    const context = ctx.previousReport ? `\nPrevious question's intent: ${ctx.previousReport.intent}.` : '';
    const answer = await completeJson(
      ctx.llm,
      {
        purpose: 'triage',
        messages: [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: `${ctx.request}${context}` },
        ],
        temperature: 0,
        deterministic,
        signal: ctx.signal,
        workspace: ctx.userId,
      },
      TriageAnswer,
    );
    const a = answer.value;
    const window = a.days === null ? rules.window : lastDays(a.days, ctx.now);
    const output: TriageOutput = {
      intent: a.intent,
      window,
      models: a.models.map((m) => m.toLowerCase()),
      metrics: a.metrics.length > 0 ? a.metrics : rules.metrics,
      constraints: a.constraints,
      ...(a.growthPct === null ? {} : { growthPct: a.growthPct }),
      // Names are matched against the workspace by rules, whoever classified the question.
      ...(rules.scope ? { scope: rules.scope } : {}),
      ...(rules.catalogModels ? { catalogModels: rules.catalogModels } : {}),
      ...(focusOf(ctx.request, a.intent) ? { focus: focusOf(ctx.request, a.intent) } : {}),
      ...(rules.attributeBy ? { attributeBy: rules.attributeBy } : {}),
      ...(rules.comparisonWindow ? { comparisonWindow: rules.comparisonWindow, window: rules.window } : {}),
      followUp: rules.followUp,
      method: answer.source === 'model' ? 'llm' : 'rules',
    };
    const span = Math.round((Date.parse(output.window.to) - Date.parse(output.window.from)) / DAY_MS);
    const extra = output.growthPct === undefined ? '' : `, what if traffic ${output.growthPct >= 0 ? '+' : ''}${output.growthPct}%`;
    return { output, summary: `Intent ${output.intent.replace(/_/g, ' ')}, ${span} days${extra}${output.followUp ? ' (follow-up)' : ''}` };
  },
};

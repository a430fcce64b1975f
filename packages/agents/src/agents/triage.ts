import type { Intent } from '@netra/contracts';
import { TriageOutput } from '../schemas.js';
import type { Agent } from '../types.js';

const DAY_MS = 86_400_000;

const INTENT_RULES: [Intent, RegExp][] = [
  ['latency_optimization', /\b(latenc\w*|slow|faster|speed|p9[59]|ttft|response time)\b/i],
  ['cost_optimization', /\b(cost|cheap\w*|spend\w*|bill\w*|budget|sav(e|ing)s?|price|expens\w*)\b/i],
  ['model_selection', /\b(which model|compare|comparison|switch(ing)? (to|model)|alternative model|vs\.?)\b/i],
  ['quality_optimization', /\b(quality|accura\w*|hallucinat\w*|eval\w*)\b/i],
  ['catalog', /\b(catalog|price list|pricing of)\b/i],
  ['monitoring', /\b(monitor\w*|alert\w*|anomal\w*|spike|dashboard)\b/i],
  ['workload_analysis', /\b(usage|workload|traffic|analy[sz]\w*|breakdown|overview|what if|grow\w*|doubl\w*)\b/i],
];

/** Parses "last 7 days", "past 2 weeks", "last month"; default 30 days ending now. */
export function parseWindow(text: string, now: Date): { from: string; to: string } {
  const m = /\b(?:last|past|previous)\s+(\d{1,5})?\s*(day|week|month)s?\b/i.exec(text);
  let days = 30;
  if (m) {
    const n = m[1] ? Number(m[1]) : 1;
    const unit = (m[2] ?? 'day').toLowerCase();
    days = unit === 'week' ? n * 7 : unit === 'month' ? n * 30 : n;
  }
  days = Math.min(Math.max(days, 1), 366);
  return { from: new Date(now.getTime() - days * DAY_MS).toISOString(), to: now.toISOString() };
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
  return out;
}

const METRIC_WORDS: [TriageOutput['metrics'][number], RegExp][] = [
  ['cost', /\b(cost|spend|price|budget|sav)/i],
  ['latency', /\b(latenc|slow|fast|p9|ttft)/i],
  ['quality', /\b(quality|accura)/i],
  ['errors', /\b(error|fail)/i],
  ['tokens', /\btoken/i],
];

/** Classifies the request with rules; the LLM-assisted variant refines these in a later step. */
export const triageAgent: Agent<'triage'> = {
  name: 'triage',
  output: TriageOutput,
  input: (ctx) => ({ request: ctx.request, followUp: ctx.previousReport !== null }),
  async run(ctx) {
    const text = ctx.request;
    const intent = classify(text);
    const metrics = METRIC_WORDS.filter(([, re]) => re.test(text)).map(([m]) => m);
    const models = Array.from(new Set(text.match(/\b(gpt-[\w.-]+|o\d[\w.-]*|claude-[\w.-]+|gemini-[\w.-]+|llama-?[\w.-]*|mistral-[\w.-]+)\b/gi) ?? []))
      .map((m) => m.toLowerCase());
    const growthPct = growth(text);
    const output: TriageOutput = {
      intent,
      window: parseWindow(text, ctx.now),
      models,
      metrics: metrics.length > 0 ? metrics : ['cost', 'latency'],
      constraints: constraints(text),
      ...(growthPct === undefined ? {} : { growthPct }),
      followUp: ctx.previousReport !== null,
      method: 'rules',
    };
    const days = Math.round((Date.parse(output.window.to) - Date.parse(output.window.from)) / DAY_MS);
    return { output, summary: `Intent ${intent.replace(/_/g, ' ')}, last ${days} days` };
  },
};

import { Report } from '@netra/contracts';
import { upstream, type Agent } from '../types.js';
import type { DataOutput, OptimizationOutput } from '../schemas.js';

const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** The report's prose when written without a remote model: every number comes from the tools. */
export function renderSummary(request: string, data: DataOutput, optimization: OptimizationOutput): string {
  if (!data.dataAvailable) {
    return [
      '### No usage data yet',
      `There are no LLM usage events for ${data.window.from.slice(0, 10)} – ${data.window.to.slice(0, 10)}, so nothing can be measured yet.`,
      '',
      'Send one event per LLM call your applications make (`POST /api/v1/usage-events`, or import JSONL/CSV, or generate a demo workload with `POST /api/v1/usage-events/synthetic`).',
      'Netra will then compute cost, tokens and p50/p95/p99 latency per model, app and day, the share of repeated prompts, and the savings of routing, caching and batching.',
    ].join('\n');
  }
  const t = data.totals;
  const lines = [
    `### ${request.length > 80 ? `${request.slice(0, 77)}…` : request}`,
    `Between ${data.window.from.slice(0, 10)} and ${data.window.to.slice(0, 10)} your applications made **${t.requests.toLocaleString('en-US')} LLM requests** costing **${usd(t.costUsd)}** (≈ ${usd(optimization.monthlyCostUsd)} per month), with p95 latency **${Math.round(t.p95LatencyMs)} ms** and an error rate of **${(t.errorRate * 100).toFixed(2)}%**.`,
  ];
  const top = data.byModel[0];
  if (top) lines.push(`The most expensive model is \`${top.model}\` (${usd(top.costUsd)}, ${top.requests.toLocaleString('en-US')} requests).`);
  const best = optimization.recommendations[0];
  if (best) {
    const total = optimization.recommendations.reduce((s, r) => s + r.estimatedMonthlySavingsUsd, 0);
    lines.push('', `**${optimization.recommendations.length} recommendations** could save about **${usd(total)} per month**; the largest is *${best.title}* (${usd(best.estimatedMonthlySavingsUsd)}).`);
  } else {
    lines.push('', 'No optimization strategy applies to this data yet.');
  }
  return lines.join('\n');
}

/** Assembles the SPEC §4 report from the upstream outputs; the LLM writes only the summary's prose. */
export const reportingAgent: Agent<'reporting'> = {
  name: 'reporting',
  output: Report,
  input: (ctx) => ({ intent: upstream(ctx, 'reporting', 'triage').intent }),
  async run(ctx) {
    const triage = upstream(ctx, 'reporting', 'triage');
    const data = upstream(ctx, 'reporting', 'data');
    const optimization = upstream(ctx, 'reporting', 'optimization');
    const plan = upstream(ctx, 'reporting', 'actions');
    const deterministic = () => renderSummary(ctx.request, data, optimization);
    const llm = await ctx.llm.complete({
      purpose: 'reporting',
      messages: [
        { role: 'system', content: 'Write a short executive summary in markdown. Use only the numbers given.' },
        { role: 'user', content: JSON.stringify({ request: ctx.request, totals: data.totals, recommendations: optimization.recommendations }) },
      ],
      deterministic,
      signal: ctx.signal,
      ...(ctx.onToken ? { onToken: (delta: string) => ctx.onToken?.('reporting', delta) } : {}),
    });
    const totalSavings = optimization.recommendations.reduce((s, r) => s + r.estimatedMonthlySavingsUsd, 0);
    const report: Report = {
      summary: llm.text,
      intent: triage.intent,
      window: data.window,
      dataAvailable: data.dataAvailable,
      currentState: {
        requests: data.totals.requests,
        totalCostUsd: data.totals.costUsd,
        p95LatencyMs: data.totals.p95LatencyMs,
        errorRate: data.totals.errorRate,
        byModel: data.byModel.map((m) => ({ model: m.model, requests: m.requests, costUsd: m.costUsd, p95LatencyMs: m.p95LatencyMs })),
      },
      recommendations: optimization.recommendations,
      ...(data.dataAvailable
        ? {
            projected: {
              monthlyCostUsd: Math.max(0, optimization.monthlyCostUsd - totalSavings),
              monthlySavingsUsd: totalSavings,
              savingsPct: optimization.monthlyCostUsd > 0 ? (totalSavings / optimization.monthlyCostUsd) * 100 : 0,
            },
          }
        : {}),
      actions: plan.actions,
      risks: plan.risks,
      kpis: plan.kpis,
      generatedBy: { provider: llm.provider, model: llm.model, fallback: llm.fallback },
    };
    const summary = data.dataAvailable
      ? `Report ready: ${optimization.recommendations.length} recommendations, ≈ ${usd(totalSavings)}/month`
      : 'Report ready: how to send usage data';
    return { output: report, summary };
  },
};

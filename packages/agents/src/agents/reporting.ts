import { Report } from '@netra/contracts';
import { upstream, type Agent } from '../types.js';
import type { DataOutput, OptimizationOutput, TriageOutput } from '../schemas.js';
import { answerOf, type Answer } from '../answers.js';
import { materialityUsd } from './optimization.js';
import { duration, percent, usd } from '../format.js';

/**
 * The report's prose when written without a remote model: the direct reply first (the answer's lead), then the
 * evidence and the plan. Every number comes from the tools.
 */
export function renderSummary(triage: TriageOutput, data: DataOutput, optimization: OptimizationOutput, answer: Answer, previous: Report | null = null): string {
  if (!data.dataAvailable && (triage.scope?.unknown?.length ?? 0) === 0 && (triage.scope?.apps.length ?? 0) + (triage.scope?.models.length ?? 0) === 0) {
    return [
      '### No usage data yet',
      `There are no LLM usage events for ${data.window.from.slice(0, 10)} – ${data.window.to.slice(0, 10)}, so nothing can be measured yet.`,
      '',
      '**What to send**: one event per LLM call your applications make — `id`, `timestamp`, `app`, `model`, `promptTokens`, `completionTokens`, `latencyMs`, `status`, and optionally `costUsd` (else priced from the model catalog) and `promptHash` (sha256 of the normalised prompt, for cache analysis).',
      '',
      '**How**: `POST /api/v1/usage-events` with `{"events": [...]}` (up to 5,000 at a time), stream a JSONL or CSV export to `POST /api/v1/usage-events/import`, or generate a demo month with `POST /api/v1/usage-events/synthetic`.',
      '',
      '**What Netra then computes**: cost, tokens, p50/p95/p99 latency and error rate per model, app and day; the share and cost of repeated prompts; anomalous days; and ranked savings from model routing, caching, batching and prompt trimming, with an action plan.',
    ].join('\n');
  }
  const lines = [answer.lead];
  if (!data.dataAvailable || (triage.scope?.unknown?.length ?? 0) > 0 && (triage.scope?.apps.length ?? 0) + (triage.scope?.models.length ?? 0) === 0) return lines.join('\n');
  const t = data.totals;
  lines.push(
    '',
    `Between ${data.window.from.slice(0, 10)} and ${data.window.to.slice(0, 10)} ${data.scope && data.scope.apps.length + data.scope.models.length > 0 ? `${[...data.scope.apps, ...data.scope.models].map((x) => `\`${x}\``).join(', ')} made` : 'your applications made'} **${t.requests.toLocaleString('en-US')} LLM requests** costing **${usd(t.costUsd)}** (≈ ${usd(optimization.monthlyCostUsd)} per month), with p95 latency **${duration(t.p95LatencyMs)}** and an error rate of **${percent(t.errorRate)}**.`,
  );
  if (answer.findings.length > 0) {
    lines.push('', ...answer.findings.slice(0, 5).map((f) => `- **${f.title}** — ${f.detail}`));
  }
  const g = optimization.growth;
  if (g) {
    const busiest = [...g.byModel].sort((a, b) => b.projectedPeakRpm - a.projectedPeakRpm)[0];
    lines.push(
      '',
      `**What if traffic grows ${g.growthPct}%**: monthly cost goes from ${usd(g.monthlyCostUsd)} to **${usd(g.projectedMonthlyCostUsd)}**${busiest ? `; the busiest model, \`${busiest.model}\`, peaks at ${busiest.projectedPeakRpm.toLocaleString('en-US')} requests/minute (now ${busiest.peakRpm.toLocaleString('en-US')})${busiest.rpmHeadroomPct === null ? '' : `, leaving ${busiest.rpmHeadroomPct.toFixed(0)}% of your rate limit`}` : ''}.`,
    );
  }
  if (previous?.dataAvailable) {
    const before = previous.currentState.totalCostUsd;
    lines.push('', `Compared with the previous report in this thread (${usd(before)} for ${previous.window.from.slice(0, 10)} – ${previous.window.to.slice(0, 10)}), spend is ${t.costUsd >= before ? 'up' : 'down'} ${usd(Math.abs(t.costUsd - before))}.`);
  }
  const recs = optimization.recommendations;
  const best = recs[0];
  if (best) {
    const total = optimization.combinedMonthlySavingsUsd;
    const sum = recs.reduce((s, r) => s + r.estimatedMonthlySavingsUsd, 0);
    const overlap = sum > total + 0.005 ? ` — less than the ${usd(sum)} the items add up to, because changes to the same app overlap (a request served from the cache is not also re-routed or batched)` : '';
    lines.push(
      '',
      total > 0
        ? `**The plan**: ${recs.length} change${recs.length === 1 ? '' : 's'}, together ≈ **${usd(total)} per month** (${percent(optimization.monthlyCostUsd > 0 ? total / optimization.monthlyCostUsd : 0)} of the cost)${overlap}; first: *${best.title}*.`
        : `**The plan**: ${recs.length} change${recs.length === 1 ? '' : 's'}; first: *${best.title}*.`,
    );
  } else {
    lines.push('', 'No change is worth recommending for this question.');
  }
  if (optimization.minorRecommendations.length > 0) {
    lines.push('', `${optimization.minorRecommendations.length} smaller item${optimization.minorRecommendations.length === 1 ? '' : 's'} (each under ${usd(materialityUsd(optimization.monthlyCostUsd))} a month) are listed apart, not planned.`);
  }
  return lines.join('\n');
}

/** Assembles the SPEC §4 report from the upstream outputs; the LLM writes only the summary's prose. */
export const reportingAgent: Agent<'reporting'> = {
  name: 'reporting',
  callsModel: true,
  output: Report,
  input: (ctx) => ({ intent: upstream(ctx, 'reporting', 'triage').intent, followUp: ctx.previousReport !== null }),
  async run(ctx) {
    const triage = upstream(ctx, 'reporting', 'triage');
    const data = upstream(ctx, 'reporting', 'data');
    const optimization = upstream(ctx, 'reporting', 'optimization');
    const plan = upstream(ctx, 'reporting', 'actions');
    const names = { apps: data.byApp.map((a) => a.app), models: data.byModel.map((m) => m.model) };
    const answer = answerOf(triage, data, optimization, names);
    const deterministic = () => renderSummary(triage, data, optimization, answer, ctx.previousReport);
    const facts = {
      request: ctx.request,
      answer: answer.lead,
      findings: answer.findings.slice(0, 6),
      window: data.window,
      totals: data.totals,
      monthlyCostUsd: optimization.monthlyCostUsd,
      byModel: data.byModel.slice(0, 8).map((m) => ({ model: m.model, requests: m.requests, costUsd: m.costUsd, p95LatencyMs: m.p95LatencyMs })),
      recommendations: optimization.recommendations.map((r) => ({ title: r.title, monthlySavingsUsd: r.estimatedMonthlySavingsUsd, qualityRisk: r.qualityRisk })),
      growth: optimization.growth ?? null,
      anomalies: data.anomalies.slice(0, 3),
      previous: ctx.previousReport ? { window: ctx.previousReport.window, totalCostUsd: ctx.previousReport.currentState.totalCostUsd } : null,
    };
    const llm = await ctx.llm.complete({
      purpose: 'reporting',
      messages: [
        {
          role: 'system',
          content:
            'You write the executive summary of an LLM cost and latency report, in markdown, under 200 words. Start with the sentence in `answer`, unchanged: it replies to the question. Then the evidence (`findings`) and the plan. Use only the numbers in the JSON you are given, exactly as given; never estimate or invent a number. If there is no data, explain what data to send and what will be computed.',
        },
        { role: 'user', content: JSON.stringify(facts) },
      ],
      temperature: 0.2,
      deterministic,
      signal: ctx.signal,
      workspace: ctx.userId,
      accept: (text) => text.trim().length > 0,
      ...(ctx.onToken ? { onToken: (delta: string) => ctx.onToken?.('reporting', delta) } : {}),
    });
    // A truncated or empty answer is not a summary: the deterministic one is.
    const summaryText = llm.finishReason === 'length' || llm.text.trim().length === 0 ? deterministic() : llm.text;
    const totalSavings = optimization.combinedMonthlySavingsUsd;
    const report: Report = {
      summary: summaryText,
      intent: triage.intent,
      window: data.window,
      dataAvailable: data.dataAvailable,
      ...(triage.scope ? { scope: triage.scope } : {}),
      findings: answer.findings,
      ...(data.comparison ? { comparison: data.comparison } : {}),
      ...(data.forecast
        ? {
            forecast: {
              ...data.forecast,
              ...(optimization.monthlyCostUsd > 0 && optimization.combinedMonthlySavingsUsd > 0
                ? { afterPlanUsd: Math.round((data.forecast.scenarioUsd ?? data.forecast.projectedUsd) * (1 - optimization.combinedMonthlySavingsUsd / optimization.monthlyCostUsd) * 100) / 100 }
                : {}),
            },
          }
        : {}),
      ...(data.previousPeriod
        ? {
            previousPeriod: {
              window: data.previousPeriod.window,
              requests: data.previousPeriod.totals.requests,
              totalCostUsd: data.previousPeriod.totals.costUsd,
              p95LatencyMs: data.previousPeriod.totals.p95LatencyMs,
              errorRate: data.previousPeriod.totals.errorRate,
            },
          }
        : {}),
      currentState: {
        requests: data.totals.requests,
        totalCostUsd: data.totals.costUsd,
        p95LatencyMs: data.totals.p95LatencyMs,
        errorRate: data.totals.errorRate,
        byModel: data.byModel.map((m) => ({ model: m.model, requests: m.requests, costUsd: m.costUsd, p95LatencyMs: m.p95LatencyMs })),
      },
      recommendations: optimization.recommendations,
      minorRecommendations: optimization.minorRecommendations,
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
      generatedBy: {
        provider: summaryText === llm.text ? llm.provider : 'local',
        model: summaryText === llm.text ? llm.model : 'local',
        fallback: llm.fallback || summaryText !== llm.text,
      },
    };
    const summary = data.dataAvailable
      ? `Report ready: ${optimization.recommendations.length} recommendations, ≈ ${usd(totalSavings)}/month`
      : 'Report ready: how to send usage data';
    return { output: report, summary };
  },
};

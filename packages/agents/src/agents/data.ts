import type { ComparisonRow, ModelCatalogEntry } from '@netra/contracts';
import { CatalogService, canonicalModel } from '@netra/usage';
import { DataOutput, type TriageOutput } from '../schemas.js';
import { detectAnomalies } from '../tools/anomalies.js';
import { attributeAnomalies, dimensionShares, errorProfiles } from '../tools/attribution.js';
import { cacheOpportunity } from '../tools/cache.js';
import { forecastSpend } from '../tools/forecast.js';
import { latencyProfiles } from '../tools/latency.js';
import { observedDays, workloadMetrics, type WorkloadReport } from '../tools/metrics.js';
import { EVERYTHING, filterOf } from '../scope.js';
import { callTool, upstream, type Agent } from '../types.js';
import { planTools, type DataToolName } from '../plan.js';
import { usd } from '../format.js';

/** The models side by side: the ones asked about (or the five most expensive), plus catalog models named. */
function compareModels(metrics: WorkloadReport, catalog: readonly ModelCatalogEntry[], triage: TriageOutput): ComparisonRow[] {
  const byName = new Map(catalog.map((m) => [canonicalModel(m.model), m]));
  const asked = triage.scope?.models ?? [];
  const rows = (asked.length > 0 ? metrics.byModel.filter((m) => asked.includes(m.model)) : metrics.byModel.slice(0, 5)).map((m): ComparisonRow => {
    const entry = byName.get(canonicalModel(m.model));
    return {
      model: m.model,
      inData: true,
      requests: m.requests,
      costUsd: m.costUsd,
      costPer1kRequestsUsd: m.requests > 0 ? (m.costUsd / m.requests) * 1_000 : null,
      p50LatencyMs: m.p50LatencyMs,
      p95LatencyMs: m.p95LatencyMs,
      errorRate: m.errorRate,
      qualityScore: entry?.qualityScore ?? null,
      inputPricePerMTok: entry?.inputPricePerMTok ?? null,
      outputPricePerMTok: entry?.outputPricePerMTok ?? null,
    };
  });
  for (const name of triage.catalogModels ?? []) {
    const entry = byName.get(canonicalModel(name));
    if (!entry || rows.some((r) => canonicalModel(r.model) === canonicalModel(entry.model))) continue;
    rows.push({
      model: entry.model,
      inData: false,
      requests: 0,
      costUsd: 0,
      costPer1kRequestsUsd: null,
      p50LatencyMs: null,
      p95LatencyMs: null,
      errorRate: null,
      qualityScore: entry.qualityScore,
      inputPricePerMTok: entry.inputPricePerMTok,
      outputPricePerMTok: entry.outputPricePerMTok,
    });
  }
  return rows;
}

/**
 * Reads the workspace's usage for the triaged window and scope with the tools the question needs — rollups only:
 * the metrics always; the cache opportunity, latency decomposition, spend by dimension, error profiles, anomaly
 * causes, a model comparison or a forecast as the plan says (plan.ts: a configured model's function calls over the
 * tool registry, validated, or the rules' plan for the intent).
 */
export const dataAgent: Agent<'data'> = {
  name: 'data',
  // Its tool plan comes from a model's function calls when one is configured (plan.ts).
  callsModel: true,
  output: DataOutput,
  input: (ctx) => {
    const t = upstream(ctx, 'data', 'triage');
    return { window: t.window, intent: t.intent, scope: t.scope ?? EVERYTHING };
  },
  async run(ctx) {
    const triage = upstream(ctx, 'data', 'triage');
    const { window } = triage;
    const scope = triage.scope ?? EVERYTHING;
    const filter = filterOf(scope);
    const range = { from: new Date(window.from), to: new Date(window.to) };
    const args = { from: window.from, to: window.to, ...(scope.apps.length ? { apps: scope.apps } : {}), ...(scope.models.length ? { models: scope.models } : {}), ...(Object.keys(scope.dimensions).length ? { dimensions: scope.dimensions } : {}) };
    // Which tools: the model's plan by function calling when one is configured, the rules' plan otherwise.
    const { plan } = await planTools(ctx, triage);
    const planned = (tool: DataToolName) => plan.find((c) => c.tool === tool);
    const attribution = planned('error_profile') !== undefined || planned('anomaly_causes') !== undefined;
    const [metrics, cache, catalog] = await Promise.all([
      callTool(ctx, 'data', 'usage_metrics', args, () => workloadMetrics(ctx.db, ctx.userId, range, { filter, dayApp: attribution, dayModel: planned('anomaly_causes') !== undefined }), (m) => `${m.totals.requests.toLocaleString('en-US')} requests, ${usd(m.totals.costUsd)} over ${m.byDay.length} days, ${m.workloads.length} workloads`),
      // Prompt statistics are not kept per metadata value: a dimension-scoped question has no cache figures.
      filter.dimension === null && planned('cache_opportunity')
        ? callTool(ctx, 'data', 'cache_opportunity', args, () => cacheOpportunity(ctx.db, ctx.userId, range, filter), (c) => `${(c.share * 100).toFixed(1)} % of requests repeat an earlier prompt (${usd(c.repeatCostUsd)})`)
        : Promise.resolve({ share: 0, requests: 0, repeats: 0, repeatCostUsd: 0, byWorkload: [] }),
      new CatalogService(ctx.db).snapshot(),
    ]);
    ctx.signal.throwIfAborted();
    const dataAvailable = metrics.totals.requests > 0;
    const extra: Partial<DataOutput> = {};
    if (dataAvailable && planned('latency_decomposition')) {
      extra.latency = await callTool(ctx, 'data', 'latency_decomposition', args, () => latencyProfiles(ctx.db, ctx.userId, range, metrics.breakdown, filter), (l) => {
        const top = l[0];
        return top ? `slowest: ${top.app}${top.model ? ` on ${top.model}` : ''}, p95 ${Math.round(top.p95LatencyMs)} ms (${top.cause.replace(/_/g, ' ')})` : 'no latency data';
      });
    }
    if (triage.comparisonWindow) {
      const cw = triage.comparisonWindow;
      const before = await callTool(ctx, 'data', 'usage_metrics', { ...args, from: cw.from, to: cw.to }, () => workloadMetrics(ctx.db, ctx.userId, { from: new Date(cw.from), to: new Date(cw.to) }, { filter }), (m) => `previous period: ${m.totals.requests.toLocaleString('en-US')} requests, ${usd(m.totals.costUsd)}`);
      extra.previousPeriod = { window: cw, totals: before.totals, byApp: before.byApp.map((a) => ({ app: a.app, requests: a.requests, costUsd: a.costUsd, p95LatencyMs: a.p95LatencyMs, errorRate: a.errorRate })) };
    }
    if (dataAvailable && planned('latency_decomposition') && (filter.apps !== null || filter.models !== null || filter.dimension !== null)) {
      const all = await callTool(ctx, 'data', 'usage_metrics', { from: window.from, to: window.to }, () => workloadMetrics(ctx.db, ctx.userId, range, { filter: filterOf() }), (m) => `whole workspace: p95 ${Math.round(m.totals.p95LatencyMs)} ms over ${m.byApp.length} apps`);
      extra.overall = { p95LatencyMs: all.totals.p95LatencyMs, byApp: all.byApp.map((a) => ({ app: a.app, p95LatencyMs: a.p95LatencyMs })) };
    }
    if (dataAvailable && planned('spend_by_dimension') && filter.dimension === null) {
      extra.dimensions = await callTool(ctx, 'data', 'spend_by_dimension', args, () => dimensionShares(ctx.db, ctx.userId, range, metrics.totals.costUsd, filter), (d) => (d.length === 0 ? 'no metadata dimensions in the data' : d.map((k) => `${k.key}: ${k.values[0]?.value ?? '—'} leads`).join('; ')));
    }
    if (dataAvailable && planned('error_profile')) {
      extra.errors = await callTool(ctx, 'data', 'error_profile', args, async () => errorProfiles(metrics.breakdown), (e) => `${e.filter((x) => x.model === null && x.bursts.length > 0).length} apps with error bursts; ${e.reduce((s, x) => s + (x.model === null ? x.errors : 0), 0).toLocaleString('en-US')} failed calls`);
    }
    const anomalies = detectAnomalies(metrics.byDay);
    if (dataAvailable && planned('anomaly_causes')) {
      extra.anomalyCauses = await callTool(ctx, 'data', 'anomaly_causes', args, async () => attributeAnomalies(anomalies, metrics.breakdown), (a) => `${a.length} anomalous day-metrics${a[0]?.app ? `; the largest driven by ${a[0].app}` : ''}`);
    }
    if (dataAvailable && planned('compare_models')) {
      extra.comparison = await callTool(ctx, 'data', 'compare_models', { ...args, catalogModels: triage.catalogModels ?? [] }, async () => compareModels(metrics, catalog, triage), (c) => c.map((r) => r.model).join(' vs '));
    }
    const forecastCall = planned('forecast_spend');
    if (dataAvailable && forecastCall) {
      const horizon = typeof forecastCall.args.horizonDays === 'number' ? forecastCall.args.horizonDays : 30;
      const growthPct = typeof forecastCall.args.growthPct === 'number' ? forecastCall.args.growthPct : triage.growthPct;
      const forecast = await callTool(ctx, 'data', 'forecast_spend', { ...args, horizonDays: horizon, ...(growthPct === undefined ? {} : { growthPct }) }, async () => forecastSpend(metrics.byDay, horizon, growthPct), (f) => (f ? `next ${horizon} days ${usd(f.projectedUsd)} (${usd(f.lowUsd)}–${usd(f.highUsd)})` : 'too few days to forecast'));
      if (forecast) extra.forecast = forecast;
    }

    const providers = new Map(catalog.map((m) => [canonicalModel(m.model), m.provider]));
    const output: DataOutput = {
      window,
      dataAvailable,
      // Today's part of the window runs up to now: no later event exists, so it counts as the hours that passed.
      observedDays: observedDays(metrics.byDay, { from: window.from, to: new Date(Math.min(Date.parse(window.to), ctx.now.getTime())).toISOString() }),
      totals: metrics.totals,
      byModel: metrics.byModel.map((m) => ({ ...m, provider: providers.get(canonicalModel(m.model)) ?? null })),
      byApp: metrics.byApp,
      byDay: metrics.byDay,
      workloads: metrics.workloads,
      duplicatePrompts: { share: cache.share, requests: cache.repeats, costUsd: cache.repeatCostUsd },
      cacheByWorkload: cache.byWorkload,
      anomalies,
      scope,
      ...extra,
    };
    const t = metrics.totals;
    const about = scope.apps.length + scope.models.length > 0 ? ` for ${[...scope.apps, ...scope.models].join(', ')}` : '';
    const summary = output.dataAvailable
      ? `${t.requests.toLocaleString('en-US')} requests${about}, ${usd(t.costUsd)}, p95 ${Math.round(t.p95LatencyMs)} ms across ${metrics.byModel.length} models and ${metrics.byApp.length} apps; ${(cache.share * 100).toFixed(1)}% repeated prompts; ${anomalies.length} anomalies`
      : `No usage events in the window${about}`;
    return { output, summary };
  },
};

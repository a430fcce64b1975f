import { CatalogService, canonicalModel } from '@netra/usage';
import { DataOutput } from '../schemas.js';
import { detectAnomalies } from '../tools/anomalies.js';
import { cacheOpportunity } from '../tools/cache.js';
import { observedDays, workloadMetrics } from '../tools/metrics.js';
import { upstream, type Agent } from '../types.js';
import { usd } from '../format.js';

/** Reads the workspace's usage for the triaged window with the metric tools: real SQL, no LLM. */
export const dataAgent: Agent<'data'> = {
  name: 'data',
  output: DataOutput,
  input: (ctx) => ({ window: upstream(ctx, 'data', 'triage').window }),
  async run(ctx) {
    const { window } = upstream(ctx, 'data', 'triage');
    const range = { from: new Date(window.from), to: new Date(window.to) };
    const [metrics, cache, catalog] = await Promise.all([
      workloadMetrics(ctx.db, ctx.userId, range),
      cacheOpportunity(ctx.db, ctx.userId, range),
      new CatalogService(ctx.db).snapshot(),
    ]);
    ctx.signal.throwIfAborted();
    const providers = new Map(catalog.map((m) => [canonicalModel(m.model), m.provider]));
    const output: DataOutput = {
      window,
      dataAvailable: metrics.totals.requests > 0,
      // Today's part of the window runs up to now: no later event exists, so it counts as the hours that passed.
      observedDays: observedDays(metrics.byDay, { from: window.from, to: new Date(Math.min(Date.parse(window.to), ctx.now.getTime())).toISOString() }),
      totals: metrics.totals,
      byModel: metrics.byModel.map((m) => ({ ...m, provider: providers.get(canonicalModel(m.model)) ?? null })),
      byApp: metrics.byApp,
      byDay: metrics.byDay,
      workloads: metrics.workloads,
      duplicatePrompts: { share: cache.share, requests: cache.repeats, costUsd: cache.repeatCostUsd },
      cacheByWorkload: cache.byWorkload,
      anomalies: detectAnomalies(metrics.byDay),
    };
    const t = metrics.totals;
    const summary = output.dataAvailable
      ? `${t.requests.toLocaleString('en-US')} requests, ${usd(t.costUsd)}, p95 ${Math.round(t.p95LatencyMs)} ms across ${metrics.byModel.length} models and ${metrics.byApp.length} apps; ${(cache.share * 100).toFixed(1)}% repeated prompts; ${output.anomalies.length} anomalies`
      : 'No usage events in the window';
    return { output, summary };
  },
};

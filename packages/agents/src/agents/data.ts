import { DataOutput } from '../schemas.js';
import { duplicatePrompts, metricsByApp, metricsByDay, metricsByModel, workloadTotals } from '../tools/metrics.js';
import { upstream, type Agent } from '../types.js';

/** Reads the workspace's usage events for the triaged window with real SQL. */
export const dataAgent: Agent<'data'> = {
  name: 'data',
  output: DataOutput,
  input: (ctx) => ({ window: upstream(ctx, 'data', 'triage').window }),
  async run(ctx) {
    const { window } = upstream(ctx, 'data', 'triage');
    const range = { from: new Date(window.from), to: new Date(window.to) };
    const [totals, byModel, byApp, byDay, dupes] = await Promise.all([
      workloadTotals(ctx.db, ctx.userId, range),
      metricsByModel(ctx.db, ctx.userId, range),
      metricsByApp(ctx.db, ctx.userId, range),
      metricsByDay(ctx.db, ctx.userId, range),
      duplicatePrompts(ctx.db, ctx.userId, range),
    ]);
    const output: DataOutput = {
      window,
      dataAvailable: totals.requests > 0,
      totals,
      byModel,
      byApp,
      byDay,
      duplicatePrompts: dupes,
    };
    const summary = output.dataAvailable
      ? `${totals.requests.toLocaleString('en-US')} requests, $${totals.costUsd.toFixed(2)}, p95 ${Math.round(totals.p95LatencyMs)} ms across ${byModel.length} models`
      : 'No usage events in the window';
    return { output, summary };
  },
};

import type { Action, Kpi, Risk } from '@netra/contracts';
import { ActionsOutput } from '../schemas.js';
import { upstream, type Agent } from '../types.js';

/** Turns the ranked strategies into an ordered plan with validation and rollback. */
export const actionsAgent: Agent<'actions'> = {
  name: 'actions',
  output: ActionsOutput,
  input: (ctx) => ({ recommendations: upstream(ctx, 'actions', 'optimization').recommendations.map((r) => r.title) }),
  async run(ctx) {
    const data = upstream(ctx, 'actions', 'data');
    const { recommendations } = upstream(ctx, 'actions', 'optimization');
    const actions: Action[] = [];
    if (!data.dataAvailable) {
      actions.push({
        order: 1,
        title: 'Send your LLM usage events to Netra',
        kind: 'data',
        detail: 'POST /api/v1/usage-events with {"events": [...]} or stream a JSONL/CSV file to /api/v1/usage-events/import',
        validation: 'GET /api/v1/usage/summary shows your requests and cost',
      });
    }
    for (const rec of recommendations) {
      actions.push({
        order: actions.length + 1,
        title: `Baseline before: ${rec.title}`,
        kind: 'monitoring',
        detail: 'Record current cost per request, p95 latency and error rate per app for 24 h',
      });
      for (const step of rec.steps) {
        actions.push({
          order: actions.length + 1,
          title: step,
          kind: rec.strategy === 'model_routing' ? 'routing_rule' : 'config',
          detail: rec.rationale ?? rec.title,
          validation: 'Compare cost per request and p95 latency with the baseline after 24 h',
          rollback: 'Disable the change behind its flag; traffic returns to the previous path',
        });
      }
    }
    const risks: Risk[] = recommendations
      .filter((r) => r.qualityRisk !== 'none')
      .map((r) => ({ risk: `${r.title} may lower answer quality`, severity: r.qualityRisk === 'high' ? 'high' : 'medium', mitigation: 'Shadow-evaluate on a sample before full rollout' }));
    const kpis: Kpi[] = [
      { name: 'Monthly LLM cost', unit: 'USD', baseline: data.dataAvailable ? upstream(ctx, 'actions', 'optimization').monthlyCostUsd : null, target: null },
      { name: 'p95 latency', unit: 'ms', baseline: data.dataAvailable ? Math.round(data.totals.p95LatencyMs) : null, target: null },
      { name: 'Error rate', unit: 'ratio', baseline: data.dataAvailable ? data.totals.errorRate : null, target: null },
    ];
    return { output: { actions, risks, kpis }, summary: `${actions.length} ordered steps, ${risks.length} risks` };
  },
};

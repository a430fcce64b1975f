import type { Action, Kpi, Recommendation, Risk } from '@netra/contracts';
import { ActionsOutput } from '../schemas.js';
import { upstream, type Agent } from '../types.js';
import { round } from '../format.js';

/** How each strategy is validated and rolled back. */
const PLAYBOOK: Record<Recommendation['strategy'], { kind: Action['kind']; validation: string; rollback: string }> = {
  model_routing: {
    kind: 'routing_rule',
    validation: 'Quality score on a shadow sample ≥ the floor; cost per request and p95 latency compared with the baseline after 24 h',
    rollback: 'Set the routing rule back to the previous model (one config change, no deploy)',
  },
  caching: {
    kind: 'config',
    validation: 'Cache hit rate and cost per request after 24 h; spot-check 50 cached answers for staleness',
    rollback: 'Turn the cache flag off; requests go straight to the model again',
  },
  prompt_caching: {
    kind: 'code_change',
    validation: 'cachedPromptTokens / promptTokens rises in the usage events; cost per request falls; answers unchanged',
    rollback: 'Remove the cache breakpoints (or the stable-prefix ordering); prompts are billed in full again',
  },
  batching: {
    kind: 'code_change',
    validation: 'Every batch completes within the job\'s deadline; cost per item halves',
    rollback: 'Switch the job back to synchronous calls',
  },
  prompt_trimming: {
    kind: 'code_change',
    validation: 'Answer quality on a held-out sample unchanged; prompt tokens per request down',
    rollback: 'Restore the previous prompt template version',
  },
  output_cap: {
    kind: 'config',
    validation: 'Share of answers cut at the cap (finish_reason=length) under 10 %; p95 latency down; no rise in follow-up questions',
    rollback: 'Remove the max_tokens cap (one config value)',
  },
  streaming: {
    kind: 'code_change',
    validation: 'Time to first token recorded on every call; users see the first words within the TTFT p95',
    rollback: 'Turn streaming off in the client (responses arrive whole, as before)',
  },
  retry_reduction: {
    kind: 'code_change',
    validation: 'Error rate and retries per request down over a week; no more failed user requests than before',
    rollback: 'Restore the previous retry settings',
  },
  capacity: {
    kind: 'config',
    validation: 'Peak requests per minute stay below 80% of the limit; no 429s',
    rollback: 'Not needed: a higher limit changes no behaviour',
  },
  other: { kind: 'config', validation: 'Compare the KPIs with the baseline after 24 h', rollback: 'Revert the change' },
};

/** Turns the ranked strategies into an ordered plan: baseline, each change with its validation and rollback, monitoring. */
export const actionsAgent: Agent<'actions'> = {
  name: 'actions',
  callsModel: false,
  output: ActionsOutput,
  input: (ctx) => ({ recommendations: upstream(ctx, 'actions', 'optimization').recommendations.map((r) => r.title) }),
  async run(ctx) {
    const data = upstream(ctx, 'actions', 'data');
    const optimization = upstream(ctx, 'actions', 'optimization');
    const { recommendations } = optimization;
    const actions: Action[] = [];
    const add = (a: Omit<Action, 'order'>) => actions.push({ order: actions.length + 1, ...a });

    if (!data.dataAvailable) {
      add({
        title: 'Send your LLM usage events to Netra',
        kind: 'data',
        detail:
          'One event per LLM call: {id, timestamp, app, model, promptTokens, completionTokens, latencyMs, status, costUsd?, promptHash?}. POST /api/v1/usage-events with {"events": [...]} (≤ 5,000 per request), or stream a JSONL/CSV export to POST /api/v1/usage-events/import.',
        validation: 'GET /api/v1/usage/summary shows your requests and cost',
      });
      add({
        title: 'Or try Netra on a demo workload',
        kind: 'data',
        detail: 'POST /api/v1/usage-events/synthetic {"days": 30, "requestsPerDay": 2000, "seed": 42} generates a realistic month of traffic',
        validation: 'Ask again: the report then has numbers and ranked recommendations',
      });
    } else if (recommendations.length > 0) {
      add({
        title: 'Record the baseline',
        kind: 'monitoring',
        detail: `Current: $${optimization.monthlyCostUsd.toFixed(2)}/month, p95 ${Math.round(data.totals.p95LatencyMs)} ms, error rate ${(data.totals.errorRate * 100).toFixed(2)}%. Keep per-app dashboards of cost per request, p95 latency and error rate.`,
      });
    }
    for (const rec of recommendations) {
      const play = PLAYBOOK[rec.strategy];
      const [first, ...rest] = rec.steps;
      add({
        title: rec.title,
        kind: play.kind,
        detail: [first, ...rest].filter(Boolean).join('; then ') + (rec.estimatedMonthlySavingsUsd > 0 ? ` (≈ $${rec.estimatedMonthlySavingsUsd.toFixed(2)}/month)` : ''),
        validation: play.validation,
        rollback: play.rollback,
      });
    }
    if (recommendations.length > 0) {
      add({
        title: 'Roll out one change at a time',
        kind: 'rollout',
        detail: 'Apply the changes in this order (largest savings first), each after the previous one validated, so an effect can be attributed',
        validation: 'Ask Netra again after a week: the report compares with this one',
      });
    }

    // Each change's own risk, from what its estimate assumes, and its own rollback.
    const risks: Risk[] = recommendations
      .filter((r) => r.qualityRisk !== 'none')
      .map((r) => ({
        risk:
          r.qualityRisk === 'unverified'
            ? `${r.title}: answer quality on ${r.app ?? 'this traffic'} is unmeasured${r.assumptions?.[1] ? ` (${r.assumptions[1]})` : ''}`
            : `${r.title}: ${r.assumptions?.[0] ?? 'answers may change'}`,
        severity: r.qualityRisk === 'high' ? 'high' : r.qualityRisk === 'low' ? 'low' : 'medium',
        mitigation: `${PLAYBOOK[r.strategy].validation}; otherwise: ${PLAYBOOK[r.strategy].rollback.toLowerCase()}`,
      }));
    if (recommendations.filter((r) => r.estimatedMonthlySavingsUsd > 0).length > 1) {
      risks.push({
        risk: 'Savings of strategies on the same traffic overlap (e.g. caching a workload that is also re-routed saves less)',
        severity: 'low',
        mitigation: 'The projected total is capped at the current cost; re-measure after each change',
      });
    }
    for (const a of data.anomalies.slice(0, 3)) {
      risks.push({
        risk: `Anomalous ${a.metric} on ${a.day}: ${round(a.value)} vs a trend of ${round(a.expected)}`,
        severity: a.score > 10 ? 'high' : 'medium',
        mitigation: 'Alert on daily cost and error rate per app; find the cause before it repeats',
      });
    }

    const kpis: Kpi[] = data.dataAvailable
      ? [
          { name: 'Monthly LLM cost', unit: 'USD', baseline: optimization.monthlyCostUsd, target: round(Math.max(0, optimization.monthlyCostUsd - optimization.combinedMonthlySavingsUsd)) },
          { name: 'p95 latency', unit: 'ms', baseline: Math.round(data.totals.p95LatencyMs), target: null },
          { name: 'Error rate', unit: 'ratio', baseline: round(data.totals.errorRate, 4), target: null },
          { name: 'Repeated-prompt share', unit: 'ratio', baseline: round(data.duplicatePrompts.share, 4), target: null },
        ]
      : [
          { name: 'Usage events received', unit: 'events', baseline: 0, target: null },
        ];
    if (optimization.growth) {
      kpis.push({ name: `Monthly LLM cost at +${optimization.growth.growthPct}% traffic`, unit: 'USD', baseline: optimization.monthlyCostUsd, target: round(optimization.growth.projectedMonthlyCostUsd) });
    }
    return { output: { actions, risks, kpis }, summary: `${actions.length} ordered steps, ${risks.length} risks` };
  },
};

import { randomUUID } from 'node:crypto';
import { AGENTS, Report, formatEventId, type AgentName, type RunEvent } from '@netra/contracts';

export const report: Report = Report.parse({
  summary: '### Cut cost\nYou spent **$123.45**.',
  intent: 'cost_optimization',
  window: { from: '2025-01-01T00:00:00.000Z', to: '2025-01-31T00:00:00.000Z' },
  dataAvailable: true,
  currentState: {
    requests: 1200,
    totalCostUsd: 123.45,
    p95LatencyMs: 2100,
    errorRate: 0.0125,
    byModel: [
      { model: 'gpt-4o-mini', requests: 900, costUsd: 23.45, p95LatencyMs: 900 },
      { model: 'gpt-4o', requests: 300, costUsd: 100, p95LatencyMs: 2500 },
    ],
  },
  recommendations: [
    { title: 'Cache repeated prompts', strategy: 'caching', estimatedMonthlySavingsUsd: 12.5, qualityRisk: 'none', steps: ['Enable the cache'] },
    { title: 'Route simple prompts to mini', strategy: 'model_routing', estimatedMonthlySavingsUsd: 60.25, latencyImpactPct: -20, qualityRisk: 'low', steps: ['Add a rule', 'Watch quality'] },
  ],
  projected: { monthlyCostUsd: 50.7, monthlySavingsUsd: 72.75, savingsPct: 58.9 },
  actions: [
    { order: 2, title: 'Roll out', kind: 'rollout', detail: 'Ship to 10% then 100%', rollback: 'Flip the flag back' },
    { order: 1, title: 'Add routing rule', kind: 'routing_rule', detail: 'Route | short prompts', validation: 'Compare quality on 200 samples' },
  ],
  risks: [{ risk: 'Quality drop', severity: 'medium', mitigation: 'Shadow-evaluate' }],
  kpis: [{ name: 'Monthly cost', unit: 'USD', baseline: 123.45, target: 50.7 }],
  generatedBy: { provider: 'local', model: 'local', fallback: false },
});

/**
 * A report with every optional part: scope (with a provider, and a name the data does not have), findings,
 * comparison, forecast, the previous period (the 30 days before), minor items.
 */
export const fullReport: Report = Report.parse({
  ...report,
  intent: 'forecast',
  scope: { apps: ['support-chat'], models: ['gpt-4o'], dimensions: { team: ['search'] }, providers: ['openai'], unknown: ['gpt-9'] },
  previousPeriod: {
    window: { from: '2024-12-02T00:00:00.000Z', to: '2025-01-01T00:00:00.000Z' },
    requests: 1000,
    totalCostUsd: 100,
    p95LatencyMs: 840,
    errorRate: 0.019,
  },
  findings: [
    { title: 'Monthly spend', detail: 'At the window’s pace.', metric: 'monthlyCostUsd', value: 1234.5, unit: 'usd', app: 'support-chat' },
    { title: 'p95 latency', detail: 'Slowest 5% of requests.', metric: 'p95LatencyMs', value: 16_600, unit: 'ms', model: 'gpt-4o' },
    { title: 'Error rate', detail: 'Failed requests.', metric: 'errorRate', value: 0.019, unit: 'ratio', dimension: { key: 'team', value: 'search' } },
    { title: 'Peak', detail: 'Busiest minute.', metric: 'peakRpm', value: 85, unit: 'rpm' },
    { title: 'Growth', detail: 'Week over week.', metric: 'growthPct', value: 12.5, unit: 'pct' },
  ],
  comparison: [
    {
      model: 'gpt-4o',
      inData: true,
      requests: 300,
      costUsd: 100,
      costPer1kRequestsUsd: 333.3333,
      p50LatencyMs: 840,
      p95LatencyMs: 2500,
      errorRate: 0.0125,
      qualityScore: 0.91,
      inputPricePerMTok: 2.5,
      outputPricePerMTok: 10,
    },
    {
      model: 'claude-3-5-haiku',
      inData: false,
      requests: 0,
      costUsd: 0,
      costPer1kRequestsUsd: null,
      p50LatencyMs: null,
      p95LatencyMs: null,
      errorRate: null,
      qualityScore: null,
      inputPricePerMTok: 0.8,
      outputPricePerMTok: 4,
    },
  ],
  forecast: { horizonDays: 30, baselineUsd: 120, projectedUsd: 135, lowUsd: 125, highUsd: 145, growthPct: 12.5, scenarioGrowthPct: 50, scenarioUsd: 202.5, afterPlanUsd: 150, method: 'linear trend + weekly seasonality' },
  recommendations: [
    ...report.recommendations,
    {
      title: 'Switch support-chat from gpt-4o to claude-3-5-haiku',
      strategy: 'model_routing',
      app: 'support-chat',
      model: 'gpt-4o',
      assumptions: ['Quality holds on a shadow test', '80% of traffic can move'],
      estimatedMonthlySavingsUsd: 30,
      qualityRisk: 'unverified',
      steps: [],
    },
    { title: 'Cap output tokens', strategy: 'output_cap', app: 'support-chat', estimatedMonthlySavingsUsd: 5, qualityRisk: 'low', steps: [] },
  ],
  minorRecommendations: [
    { title: 'Stream long answers', strategy: 'streaming', estimatedMonthlySavingsUsd: 0.1, qualityRisk: 'none', steps: [] },
    { title: 'Retry less on 429', strategy: 'retry_reduction', app: 'batch-jobs', estimatedMonthlySavingsUsd: 0.4, qualityRisk: 'none', steps: [] },
  ],
});

/** A report of a window without any usage: every measured figure is 0 in the data, and none was measured. */
export const emptyReport: Report = Report.parse({
  ...report,
  dataAvailable: false,
  currentState: { requests: 0, totalCostUsd: 0, p95LatencyMs: 0, errorRate: 0, byModel: [] },
  recommendations: [],
  projected: undefined,
  kpis: [{ name: 'Usage events received', unit: 'events', baseline: 0, target: null }],
});

/** Builds the events of one run in the order the worker publishes them, with consecutive thread event ids. */
export function runEvents(
  options: { runId?: string; threadId?: string; firstSeq?: number; tokens?: boolean; tools?: boolean; end?: 'completed' | 'failed' | 'stopped' } = {},
): RunEvent[] {
  const runId = options.runId ?? randomUUID();
  const threadId = options.threadId ?? randomUUID();
  let seq = options.firstSeq ?? 1;
  let t = Date.parse('2025-02-01T10:00:00.000Z');
  const base = () => ({ eventId: formatEventId(seq++), runId, threadId, ts: new Date((t += 100)).toISOString() });
  const events: RunEvent[] = [{ type: 'agent_started', ...base(), messageId: randomUUID(), attempt: 1 }];
  const stages: AgentName[] = options.end === 'completed' || options.end === undefined ? [...AGENTS] : ['triage', 'data'];
  for (const agent of stages) {
    events.push({ type: 'sub_agent_update', ...base(), agent, status: 'running' });
    if (options.tokens) {
      events.push({ type: 'agent_token', ...base(), agent, delta: `${agent} says hello. ` });
      events.push({ type: 'agent_token', ...base(), agent, delta: `${agent} is done.` });
    }
    if (options.tools) {
      // Published with the agent's completion, in call order: two calls, each followed by its result.
      for (const n of [1, 2]) {
        const callId = `${agent}:${n}`;
        events.push({ type: 'tool_call', ...base(), agent, tool: `${agent}_tool_${n}`, callId, args: { n } });
        events.push({ type: 'tool_result', ...base(), agent, tool: `${agent}_tool_${n}`, callId, durationMs: 840 * n, summary: `${agent} result ${n}`, ok: n === 1 });
      }
    }
    events.push({ type: 'sub_agent_update', ...base(), agent, status: 'completed', summary: `${agent} summary`, durationMs: 42 });
  }
  if (options.end === 'failed') events.push({ type: 'agent_failed', ...base(), error: { code: 'agent_failed', message: 'data: boom' } });
  else if (options.end === 'stopped') events.push({ type: 'agent_stopped', ...base(), reason: 'stopped by the user' });
  else events.push({ type: 'agent_completed', ...base(), messageId: randomUUID(), report });
  return events;
}

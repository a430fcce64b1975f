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

/** Builds the events of one run in the order the worker publishes them, with consecutive thread event ids. */
export function runEvents(options: { runId?: string; threadId?: string; firstSeq?: number; tokens?: boolean; end?: 'completed' | 'failed' | 'stopped' } = {}): RunEvent[] {
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
    events.push({ type: 'sub_agent_update', ...base(), agent, status: 'completed', summary: `${agent} summary`, durationMs: 42 });
  }
  if (options.end === 'failed') events.push({ type: 'agent_failed', ...base(), error: { code: 'agent_failed', message: 'data: boom' } });
  else if (options.end === 'stopped') events.push({ type: 'agent_stopped', ...base(), reason: 'stopped by the user' });
  else events.push({ type: 'agent_completed', ...base(), messageId: randomUUID(), report });
  return events;
}

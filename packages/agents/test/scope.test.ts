import { resolveScope, type WorkspaceNames } from '../src/scope.js';
import { forecastSpend } from '../src/tools/forecast.js';
import { comparedPeriod } from '../src/agents/triage.js';
import { withQualityEvidence } from '../src/agents/optimization.js';
import { UsageEventInput } from '@netra/contracts';
import type { DataOutput } from '../src/schemas.js';
import type { RoutingOption } from '../src/tools/routing.js';

const names: WorkspaceNames = {
  apps: ['support-chat', 'docs-rag', 'support-chat-v2'],
  models: ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5-20250929'],
  dimensions: { team: ['search', 'core'], feature: ['summaries'] },
};
const catalog = ['gpt-4o', 'gpt-4o-mini', 'gemini-2.5-flash', 'claude-sonnet-4-5'];

describe('the scope of a question', () => {
  it.each([
    ['Why is support-chat slow?', { apps: ['support-chat'], models: [] }],
    ['Why is Support_Chat slow?', { apps: ['support-chat'], models: [] }],
    ['How is support-chat-v2 doing compared with support-chat?', { apps: ['support-chat', 'support-chat-v2'], models: [] }],
    ['Compare gpt-4o and gpt-4o-mini', { apps: [], models: ['gpt-4o', 'gpt-4o-mini'] }],
    ['What does claude-sonnet-4-5 cost?', { apps: [], models: ['claude-sonnet-4-5-20250929'] }],
    ['What does GPT-4o-2024-08-06 cost in docs-rag?', { apps: ['docs-rag'], models: ['gpt-4o'] }],
    ['How do I cut my LLM cost?', { apps: [], models: [] }],
  ])('%j → %j', (text, expected) => {
    const scope = resolveScope(text, names, catalog);
    expect({ apps: [...scope.apps].sort(), models: scope.models }).toEqual(expected);
    expect(scope.unknown).toBeUndefined();
  });

  it('takes metadata values next to their key', () => {
    expect(resolveScope('What does the search team spend?', names, catalog).dimensions).toEqual({ team: ['search'] });
    expect(resolveScope('cost for team core and feature summaries', names, catalog).dimensions).toEqual({ team: ['core'], feature: ['summaries'] });
    // "search" alone is a word, not the team.
    expect(resolveScope('search for the most expensive app', names, catalog).dimensions).toEqual({});
  });

  it('names what the workspace does not have, and only that', () => {
    expect(resolveScope('How much does billing-bot cost?', names, catalog).unknown).toEqual(['billing-bot']);
    expect(resolveScope('latency of "checkout"', names, catalog).unknown).toEqual(['checkout']);
    expect(resolveScope('What about gpt-5-turbo-preview?', names, catalog).unknown).toEqual(['gpt-5-turbo-preview']);
    // A catalog model is comparable, not unknown; English hyphenated words are not names.
    expect(resolveScope('Should we switch to gemini-2.5-flash?', names, catalog).unknown).toBeUndefined();
    expect(resolveScope('Give me a week-over-week view of real-time usage', names, catalog).unknown).toBeUndefined();
    expect(resolveScope('Which app costs most?', names, catalog).unknown).toBeUndefined();
  });
});

describe('the spend forecast', () => {
  const days = (values: number[]) => values.map((costUsd, i) => ({ day: new Date(Date.UTC(2026, 9, 1 + i)).toISOString().slice(0, 10), costUsd }));

  it('projects a steady series flat, with a narrow interval', () => {
    const f = forecastSpend(days(new Array(28).fill(10)), 30)!;
    expect(f.projectedUsd).toBeCloseTo(300, 6);
    expect(f.lowUsd).toBeCloseTo(300, 6);
    expect(f.growthPct).toBeCloseTo(0, 6);
  });

  it('follows a linear trend and a weekly pattern', () => {
    // +1 $/day, and weekends at half.
    const values = Array.from({ length: 28 }, (_, i) => {
      const wd = new Date(Date.UTC(2026, 9, 1 + i)).getUTCDay();
      return (20 + i) * (wd === 0 || wd === 6 ? 0.5 : 1);
    });
    const f = forecastSpend(days(values), 30)!;
    const last30 = values.reduce((s, v) => s + v, 0) * (30 / 28);
    expect(f.projectedUsd).toBeGreaterThan(last30);
    expect(f.lowUsd).toBeLessThan(f.projectedUsd);
    expect(f.highUsd).toBeGreaterThan(f.projectedUsd);
    expect(f.method).toMatch(/weekly seasonality/);
  });

  it('stays flat on fewer than 14 days, scales a growth scenario, and refuses under 3 days', () => {
    const f = forecastSpend(days([1, 2, 3, 4, 5]), 30, 100)!;
    expect(f.projectedUsd).toBeCloseTo(90, 6);
    expect(f.scenarioUsd).toBeCloseTo(180, 6);
    expect(forecastSpend(days([1, 2]), 30)).toBeNull();
  });
});

describe('period comparisons', () => {
  const now = new Date('2026-11-27T12:00:00.000Z');
  it.each([
    ['How did cost change this week vs last week?', 7],
    ['spend compared to last month', 30],
    ['week over week latency', 7],
    ['errors in the last 14 days versus the previous 14 days', 14],
  ])('%j compares %i days with the %i before', (text, days) => {
    const p = comparedPeriod(text, now)!;
    expect(p.window.to).toBe('2026-11-28T00:00:00.000Z');
    expect((Date.parse(p.window.to) - Date.parse(p.window.from)) / 86_400_000).toBe(days);
    expect(p.previous.to).toBe(p.window.from);
    expect((Date.parse(p.previous.to) - Date.parse(p.previous.from)) / 86_400_000).toBe(days);
  });
  it('is not a comparison of models, nor any "vs"', () => {
    expect(comparedPeriod('Compare gpt-4o vs gpt-4o-mini', now)).toBeNull();
  });
});

describe('providers', () => {
  it('a provider stands for its models in the workspace', () => {
    const providerOf = new Map([['gpt-4o', 'openai'], ['gpt-4o-mini', 'openai'], ['claude-sonnet-4-5', 'anthropic']]);
    const scope = resolveScope('What is our anthropic spend?', names, catalog, providerOf);
    expect(scope.providers).toEqual(['anthropic']);
    expect(scope.models).toEqual(['claude-sonnet-4-5-20250929']);
  });
});

describe('quality evidence and the usage contract', () => {
  const option = { app: 'chat', fromModel: 'gpt-4o', toModel: 'gpt-4o-mini', toProvider: 'openai' } as RoutingOption;
  const rec = { title: 'Route chat from gpt-4o to gpt-4o-mini', strategy: 'model_routing' as const, estimatedMonthlySavingsUsd: 10, qualityRisk: 'unverified' as const, steps: [], rationale: 'Cheaper.' };
  const workload = (app: string, model: string, qualityScore: number | null, qualityReports: number) => ({ app, model, qualityScore, qualityReports, requests: 100, promptTokens: 1, completionTokens: 1, costUsd: 1, errorRate: 0, p50LatencyMs: 1, p95LatencyMs: 1, p99LatencyMs: 1 });
  const data = (workloads: ReturnType<typeof workload>[]) => ({ workloads }) as unknown as DataOutput;

  it('rates a switch from the workspace\'s own quality scores when both sides have some', () => {
    expect(withQualityEvidence(rec, option, data([workload('chat', 'gpt-4o', 82, 40), workload('faq', 'gpt-4o-mini', 81, 30)])).qualityRisk).toBe('low');
    expect(withQualityEvidence(rec, option, data([workload('chat', 'gpt-4o', 82, 40), workload('faq', 'gpt-4o-mini', 78, 30)])).qualityRisk).toBe('medium');
    expect(withQualityEvidence(rec, option, data([workload('chat', 'gpt-4o', 82, 40), workload('faq', 'gpt-4o-mini', 70, 30)])).rationale).toMatch(/82\.0 for chat on gpt-4o \(40 reports\) against 70\.0/);
    // No evidence on the target: the rating stays.
    expect(withQualityEvidence(rec, option, data([workload('chat', 'gpt-4o', 82, 40)])).qualityRisk).toBe('unverified');
  });

  it('refuses cachedPromptTokens above promptTokens and a quality score outside 0..100', () => {
    const base = { id: 'e', timestamp: '2026-11-20T10:00:00Z', app: 'a', model: 'm', promptTokens: 100, completionTokens: 1, latencyMs: 1, status: 'ok' };
    expect(UsageEventInput.safeParse({ ...base, cachedPromptTokens: 60, qualityScore: 88.5 }).success).toBe(true);
    const over = UsageEventInput.safeParse({ ...base, cachedPromptTokens: 101 });
    expect(over.success ? [] : over.error.issues.map((i) => i.path.join('.'))).toEqual(['cachedPromptTokens']);
    expect(UsageEventInput.safeParse({ ...base, qualityScore: 101 }).success).toBe(false);
  });
});

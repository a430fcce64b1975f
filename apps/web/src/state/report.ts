import type { ComparisonRow, Finding, Intent, Kpi, Recommendation, Report, Scope, Strategy } from '@netra/contracts';
import { day, decimal, duration, int, NO_VALUE, pct, ratioPct, signedPct, usd, usdPrice } from './format';

export type QualityRisk = Recommendation['qualityRisk'];

/** How intents are named on the page and in exports. */
export const INTENT_LABEL: Record<Intent, string> = {
  workload_analysis: 'workload analysis',
  cost_optimization: 'cost optimization',
  latency_optimization: 'latency optimization',
  quality_optimization: 'quality optimization',
  model_selection: 'model selection',
  catalog: 'model catalog',
  monitoring: 'monitoring',
  error_analysis: 'error analysis',
  forecast: 'forecast',
  general: 'general question',
};

/** How strategies are named on the page and in exports. */
export const STRATEGY_LABEL: Record<Strategy, string> = {
  model_routing: 'model routing',
  caching: 'caching',
  prompt_caching: 'provider prompt caching',
  batching: 'batching',
  prompt_trimming: 'prompt trimming',
  output_cap: 'output cap',
  streaming: 'streaming',
  retry_reduction: 'retry reduction',
  capacity: 'capacity',
  other: 'other',
};

/** `unverified`: nothing says the change keeps quality (e.g. a switch across providers). */
export const QUALITY_RISK_LABEL: Record<QualityRisk, string> = {
  none: 'none',
  low: 'low',
  medium: 'medium',
  high: 'high',
  unverified: 'unverified — shadow-test first',
};

/** Recommendations by estimated monthly savings, largest first (ties keep the report's order). */
export function sortedRecommendations(report: Report): Recommendation[] {
  return bySavings(report.recommendations);
}

function bySavings(list: readonly Recommendation[]): Recommendation[] {
  return list
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.estimatedMonthlySavingsUsd - a.r.estimatedMonthlySavingsUsd || a.i - b.i)
    .map(({ r }) => r);
}

/** What the recommendations save together (the report's projection, which removes their overlap). */
export function totalSavings(report: Report): number {
  return report.projected?.monthlySavingsUsd ?? 0;
}

/** Cost by model, most expensive first: the bars of the report's chart. */
export function costByModel(report: Report): { model: string; costUsd: number; share: number }[] {
  const rows = [...report.currentState.byModel].sort((a, b) => b.costUsd - a.costUsd || a.model.localeCompare(b.model));
  const total = rows.reduce((s, r) => s + r.costUsd, 0);
  return rows.map((r) => ({ model: r.model, costUsd: r.costUsd, share: total > 0 ? r.costUsd / total : 0 }));
}

/**
 * The current-state figures as shown. A report without data measured nothing: its zeros are shown as `—`, not as
 * `0 ms` or `0.0%`.
 */
export function currentStats(report: Report): { requests: string; cost: string; p95: string; errorRate: string } {
  const s = report.currentState;
  if (!report.dataAvailable) return { requests: NO_VALUE, cost: NO_VALUE, p95: NO_VALUE, errorRate: NO_VALUE };
  return { requests: int(s.requests), cost: usd(s.totalCostUsd), p95: duration(s.p95LatencyMs), errorRate: ratioPct(s.errorRate) };
}

/** A figure of the period comparison, named as on the page (the current-state cards). */
export type PeriodMetric = 'requests' | 'cost' | 'p95' | 'errorRate';

/** One figure of "this period vs the previous one", formatted like the current state. */
export interface PeriodChange {
  metric: PeriodMetric;
  label: string;
  previous: string;
  current: string;
  /** Relative change from the previous period, in percent; null when it has no meaning (a period without data, from 0). */
  changePct: number | null;
  /** `+16.3 %`, `-34.2 %`, or `—`. */
  change: string;
  /** `$41.20 → $47.90 (+16.3 %)`. */
  text: string;
}

/** The previous period next to the report's own (recent) one, when the question compared periods. */
export interface PeriodComparison {
  /** The previous period's window, `2025-01-01 – 2025-01-07`. */
  previousWindow: string;
  /** The report's own window, the recent period. */
  currentWindow: string;
  rows: PeriodChange[];
}

/** The change from `previous` to `current` in percent: 0 → 0 is no change, 0 → anything else has no percentage. */
function changePct(previous: number, current: number): number | null {
  if (!Number.isFinite(previous) || !Number.isFinite(current)) return null;
  if (previous === 0) return current === 0 ? 0 : null;
  return ((current - previous) / previous) * 100;
}

/**
 * "This week vs last week": each current-state figure as `previous → current (change)`, or null when the report
 * has no previous period. The change is relative for every figure (an error rate going from 1.9 % to 1.3 % is
 * `-31.6 %`). A period without usage measured nothing: a report without data, or a previous period without a
 * request, shows `—` for its figures and for the change, never `0 ms` or `0.0 %`.
 */
export function periodComparison(report: Report): PeriodComparison | null {
  const prev = report.previousPeriod;
  if (!prev) return null;
  const cur = report.currentState;
  const prevMeasured = prev.requests > 0;
  const curMeasured = report.dataAvailable;
  const figures: { metric: PeriodMetric; label: string; previous: number; current: number; format: (n: number) => string }[] = [
    { metric: 'requests', label: 'Requests', previous: prev.requests, current: cur.requests, format: int },
    { metric: 'cost', label: 'Total cost', previous: prev.totalCostUsd, current: cur.totalCostUsd, format: usd },
    { metric: 'p95', label: 'p95 latency', previous: prev.p95LatencyMs, current: cur.p95LatencyMs, format: duration },
    { metric: 'errorRate', label: 'Error rate', previous: prev.errorRate, current: cur.errorRate, format: ratioPct },
  ];
  return {
    previousWindow: `${day(prev.window.from)} – ${day(prev.window.to)}`,
    currentWindow: `${day(report.window.from)} – ${day(report.window.to)}`,
    rows: figures.map((f) => {
      const previous = prevMeasured ? f.format(f.previous) : NO_VALUE;
      const current = curMeasured ? f.format(f.current) : NO_VALUE;
      const pctChange = prevMeasured && curMeasured ? changePct(f.previous, f.current) : null;
      const change = signedPct(pctChange);
      return { metric: f.metric, label: f.label, previous, current, changePct: pctChange, change, text: `${previous} → ${current} (${change})` };
    }),
  };
}

/** A finding's value in the unit it is measured in. */
export function findingValue(f: Pick<Finding, 'value' | 'unit' | 'metric'>): string {
  switch (f.unit) {
    case 'usd':
      return f.metric === 'monthlyCostUsd' ? `${usd(f.value)}/month` : usd(f.value);
    case 'ms':
      if (f.metric === 'generationMsPerToken') return `${f.value < 10 ? f.value.toFixed(1) : int(f.value)} ms/token`;
      return duration(f.value);
    case 'ratio':
      return ratioPct(f.value);
    case 'pct':
      return f.metric === 'growthPct' ? signedPct(f.value) : pct(f.value);
    case 'requests':
      return `${int(f.value)} ${f.value === 1 ? 'request' : 'requests'}`;
    case 'tokens':
      return `${int(f.value)} tokens`;
    case 'rpm':
      return `${int(f.value)} req/min`;
  }
}

/** The chips of a finding or a recommendation: what it is about. */
export function subjectChips(x: { app?: string | undefined; model?: string | undefined; dimension?: { key: string; value: string } | undefined }): string[] {
  const chips: string[] = [];
  if (x.app) chips.push(x.app);
  if (x.model) chips.push(x.model);
  if (x.dimension) chips.push(`${x.dimension.key}: ${x.dimension.value}`);
  return chips;
}

/**
 * "support-chat · provider: anthropic · claude-3-5-haiku · team: search", or null when the question was about
 * everything. The providers named come before the models (theirs among them).
 */
export function scopeText(scope: Scope | undefined): string | null {
  if (!scope) return null;
  const providers = scope.providers?.filter((p) => p.trim() !== '') ?? [];
  const parts = [
    ...scope.apps,
    ...(providers.length > 0 ? [`${providers.length === 1 ? 'provider' : 'providers'}: ${providers.join(', ')}`] : []),
    ...scope.models,
    ...Object.entries(scope.dimensions)
      .filter(([, values]) => values.length > 0)
      .map(([key, values]) => `${key}: ${values.join(', ')}`),
  ];
  return parts.length > 0 ? parts.join(' · ') : null;
}

/** Names the question asked about that the workspace has no data for. */
export function unknownNames(scope: Scope | undefined): string[] {
  return scope?.unknown?.filter((n) => n.trim() !== '') ?? [];
}

/** Minor recommendations (below the plan's bar), largest first. */
export function sortedMinorRecommendations(report: Report): Recommendation[] {
  return bySavings(report.minorRecommendations);
}

/**
 * The bar under which recommendations are minor: max($1, 0.5 % of the monthly spend) per the contract. The
 * monthly spend is the projection's cost plus its savings; should a minor item not be under the bar computed
 * here (an older report, a changed bar), the largest minor saving is given instead, as "up to".
 */
export function minorSummary(report: Report): string | null {
  const minor = report.minorRecommendations;
  if (minor.length === 0) return null;
  const count = `${minor.length} minor ${minor.length === 1 ? 'item' : 'items'}`;
  const largest = Math.max(...minor.map((r) => r.estimatedMonthlySavingsUsd));
  const monthly = report.projected ? report.projected.monthlyCostUsd + report.projected.monthlySavingsUsd : null;
  const bar = monthly === null ? null : Math.max(1, 0.005 * monthly);
  if (bar !== null && largest < bar) return `${count} (under ${usd(bar)}/month)`;
  return `${count} (up to ${usd(largest)}/month${minor.length === 1 ? '' : ' each'})`;
}

/** A recommendation's "applies to": app and model, or the whole fleet. */
export function appliesTo(r: Recommendation): string {
  const parts = subjectChips(r);
  return parts.length > 0 ? parts.join(' · ') : 'all apps';
}

/** The comparison's rows as shown: every figure formatted, `—` where the data has none. */
export function comparisonCells(row: ComparisonRow): {
  requests: string;
  cost: string;
  costPer1k: string;
  p50: string;
  p95: string;
  errorRate: string;
  quality: string;
  prices: string;
} {
  return {
    requests: row.inData ? int(row.requests) : NO_VALUE,
    cost: row.inData ? usd(row.costUsd) : NO_VALUE,
    costPer1k: usdPrice(row.costPer1kRequestsUsd),
    p50: duration(row.p50LatencyMs),
    p95: duration(row.p95LatencyMs),
    errorRate: ratioPct(row.errorRate),
    quality: decimal(row.qualityScore),
    prices:
      row.inputPricePerMTok === null && row.outputPricePerMTok === null
        ? NO_VALUE
        : `${usdPrice(row.inputPricePerMTok)} / ${usdPrice(row.outputPricePerMTok)}`,
  };
}

/** The forecast in words: "Next 30 days: $120.00 → $135.00 (+12.5%), likely $125.00–$145.00". */
export function forecastLines(report: Report): string[] {
  const f = report.forecast;
  if (!f) return [];
  const lines = [
    `Next ${f.horizonDays} days: ${usd(f.baselineUsd)} → ${usd(f.projectedUsd)} (${signedPct(f.growthPct)}), likely ${usd(f.lowUsd)}–${usd(f.highUsd)}`,
  ];
  if (f.scenarioUsd !== undefined) {
    lines.push(`${f.scenarioGrowthPct === undefined ? 'In the scenario asked about' : `With ${signedPct(f.scenarioGrowthPct)} traffic`}: ${usd(f.scenarioUsd)}`);
  }
  if (f.afterPlanUsd !== undefined) lines.push(`After the plan: ${usd(f.afterPlanUsd)}`);
  return lines;
}

/** A KPI value in its unit (`USD`, `ms`, `ratio`, …); other units are written after the number. */
export function kpiValue(n: number | null, unit: string): string {
  if (n === null) return NO_VALUE;
  switch (unit.toLowerCase()) {
    case 'usd':
      return usd(n);
    case 'ms':
      return duration(n);
    case 'ratio':
      return ratioPct(n);
    case '%':
    case 'pct':
    case 'percent':
      return pct(n);
    default:
      return `${Number.isInteger(n) ? int(n) : decimal(n)}${unit ? ` ${unit}` : ''}`;
  }
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function recommendationRows(recs: Recommendation[]): string[] {
  const lines = ['| # | recommendation | applies to | strategy | monthly savings | latency impact | quality risk |', '|---:|---|---|---|---:|---:|---|'];
  recs.forEach((r, i) => {
    lines.push(
      `| ${i + 1} | ${cell(r.title)} | ${cell(appliesTo(r))} | ${STRATEGY_LABEL[r.strategy]} | ${usd(r.estimatedMonthlySavingsUsd)} | ${r.latencyImpactPct === undefined ? NO_VALUE : signedPct(r.latencyImpactPct)} | ${QUALITY_RISK_LABEL[r.qualityRisk]} |`,
    );
  });
  return lines;
}

/** The report as a Markdown document (the "Export Markdown" download). */
export function reportToMarkdown(report: Report, title = 'Netra optimization report'): string {
  const s = report.currentState;
  const stats = currentStats(report);
  const about = scopeText(report.scope);
  const unknown = unknownNames(report.scope);
  const lines: string[] = [
    `# ${title}`,
    '',
    `Window: ${day(report.window.from)} – ${day(report.window.to)} · intent: ${INTENT_LABEL[report.intent]} · written by ${report.generatedBy.provider}/${report.generatedBy.model}${report.generatedBy.fallback ? ' (fallback)' : ''}`,
  ];
  if (about) lines.push('', `About: ${about}`);
  if (unknown.length > 0) lines.push('', `No data for: ${unknown.join(', ')}.`);
  lines.push(
    '',
    '## Summary',
    '',
    report.summary.trim(),
    '',
    '## Current state',
    '',
    '| requests | total cost | p95 latency | error rate |',
    '|---:|---:|---:|---:|',
    `| ${stats.requests} | ${stats.cost} | ${stats.p95} | ${stats.errorRate} |`,
  );
  const periods = periodComparison(report);
  if (periods) {
    lines.push(
      '',
      `Compared with the previous period (${periods.previousWindow}):`,
      '',
      '| | previous → current | change |',
      '|---|---:|---:|',
      ...periods.rows.map((r) => `| ${r.label} | ${r.previous} → ${r.current} | ${r.change} |`),
    );
  }
  if (s.byModel.length > 0) {
    lines.push('', '| model | requests | cost | p95 latency |', '|---|---:|---:|---:|');
    for (const m of costByModel(report)) {
      const row = s.byModel.find((b) => b.model === m.model);
      lines.push(`| ${cell(m.model)} | ${int(row?.requests)} | ${usd(m.costUsd)} | ${duration(row?.p95LatencyMs)} |`);
    }
  }
  if (report.projected) {
    lines.push(
      '',
      `Projected: ${usd(report.projected.monthlyCostUsd)} per month after the changes, saving ${usd(report.projected.monthlySavingsUsd)} (${pct(report.projected.savingsPct)}).`,
    );
  }
  if (report.findings.length > 0) {
    lines.push('', '## Findings', '');
    for (const f of report.findings) {
      const chips = subjectChips(f);
      lines.push(`- **${f.title}**: ${findingValue(f)}${chips.length > 0 ? ` (${chips.join(' · ')})` : ''} — ${f.detail}`);
    }
  }
  if (report.comparison && report.comparison.length > 0) {
    lines.push(
      '',
      '## Model comparison',
      '',
      '| model | requests | cost | cost / 1k requests | p50 | p95 | error rate | quality | price in / out per 1M tokens |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const row of report.comparison) {
      const c = comparisonCells(row);
      lines.push(
        `| ${cell(row.model)}${row.inData ? '' : ' (catalog only)'} | ${c.requests} | ${c.cost} | ${c.costPer1k} | ${c.p50} | ${c.p95} | ${c.errorRate} | ${c.quality} | ${c.prices} |`,
      );
    }
  }
  if (report.forecast) {
    lines.push('', '## Forecast', '', ...forecastLines(report).map((l) => `- ${l}`), '', `Method: ${report.forecast.method}`);
  }
  lines.push('', '## Recommendations', '');
  const recs = sortedRecommendations(report);
  if (recs.length === 0) lines.push('None for this data.');
  else {
    lines.push(...recommendationRows(recs));
    for (const [i, r] of recs.entries()) {
      const assumptions = r.assumptions ?? [];
      if (r.steps.length === 0 && !r.rationale && assumptions.length === 0) continue;
      lines.push('', `### ${i + 1}. ${r.title}`);
      if (r.rationale) lines.push('', r.rationale);
      if (assumptions.length > 0) lines.push('', 'Assumes:', '', ...assumptions.map((a) => `- ${a}`));
      if (r.steps.length > 0) lines.push('', ...r.steps.map((step, j) => `${j + 1}. ${step}`));
    }
  }
  const minor = minorSummary(report);
  if (minor) {
    lines.push('', `### ${minor[0]?.toUpperCase()}${minor.slice(1)}`, '');
    for (const r of sortedMinorRecommendations(report)) {
      lines.push(`- ${r.title} — ${usd(r.estimatedMonthlySavingsUsd)}/month (${appliesTo(r)}; quality risk: ${QUALITY_RISK_LABEL[r.qualityRisk]})`);
    }
  }
  lines.push('', '## Action plan', '');
  if (report.actions.length === 0) lines.push('No actions.');
  for (const a of [...report.actions].sort((x, y) => x.order - y.order)) {
    lines.push(`${a.order}. **${a.title}** (${a.kind.replace(/_/g, ' ')}) — ${a.detail}`);
    if (a.validation) lines.push(`   - Validate: ${a.validation}`);
    if (a.rollback) lines.push(`   - Roll back: ${a.rollback}`);
  }
  lines.push('', '## Risks', '');
  if (report.risks.length === 0) lines.push('None identified.');
  for (const r of report.risks) lines.push(`- **${r.severity}**: ${r.risk} — mitigation: ${r.mitigation}`);
  lines.push('', '## KPIs', '');
  if (report.kpis.length === 0) lines.push('None.');
  else {
    lines.push('| KPI | baseline | target |', '|---|---:|---:|');
    for (const k of report.kpis) lines.push(`| ${cell(k.name)} | ${kpiCell(k, 'baseline')} | ${kpiCell(k, 'target')} |`);
  }
  return `${lines.join('\n')}\n`;
}

function kpiCell(k: Kpi, which: 'baseline' | 'target'): string {
  return cell(kpiValue(k[which], k.unit));
}

/** A file name for downloads: `netra-report-2025-01-31.md`. */
export function reportFileName(report: Report, extension: 'md' | 'json'): string {
  return `netra-report-${day(report.window.to)}.${extension}`;
}

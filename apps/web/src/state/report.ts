import type { Recommendation, Report } from '@netra/contracts';
import { day, int, ms, pct, ratioPct, signedPct, usd } from './format';

/** Recommendations by estimated monthly savings, largest first (ties keep the report's order). */
export function sortedRecommendations(report: Report): Recommendation[] {
  return report.recommendations
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

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** The report as a Markdown document (the "Export Markdown" download). */
export function reportToMarkdown(report: Report, title = 'Netra optimization report'): string {
  const s = report.currentState;
  const lines: string[] = [
    `# ${title}`,
    '',
    `Window: ${day(report.window.from)} – ${day(report.window.to)} · intent: ${report.intent.replace(/_/g, ' ')} · written by ${report.generatedBy.provider}/${report.generatedBy.model}${report.generatedBy.fallback ? ' (fallback)' : ''}`,
    '',
    '## Summary',
    '',
    report.summary.trim(),
    '',
    '## Current state',
    '',
    '| requests | total cost | p95 latency | error rate |',
    '|---:|---:|---:|---:|',
    `| ${int(s.requests)} | ${usd(s.totalCostUsd)} | ${ms(s.p95LatencyMs)} | ${ratioPct(s.errorRate)} |`,
  ];
  if (s.byModel.length > 0) {
    lines.push('', '| model | requests | cost | p95 latency |', '|---|---:|---:|---:|');
    for (const m of costByModel(report)) {
      const row = s.byModel.find((b) => b.model === m.model);
      lines.push(`| ${cell(m.model)} | ${int(row?.requests ?? 0)} | ${usd(m.costUsd)} | ${ms(row?.p95LatencyMs ?? 0)} |`);
    }
  }
  if (report.projected) {
    lines.push(
      '',
      `Projected: ${usd(report.projected.monthlyCostUsd)} per month after the changes, saving ${usd(report.projected.monthlySavingsUsd)} (${pct(report.projected.savingsPct)}).`,
    );
  }
  lines.push('', '## Recommendations', '');
  const recs = sortedRecommendations(report);
  if (recs.length === 0) lines.push('None for this data.');
  else {
    lines.push('| # | recommendation | strategy | monthly savings | latency impact | quality risk |', '|---:|---|---|---:|---:|---|');
    recs.forEach((r, i) => {
      lines.push(
        `| ${i + 1} | ${cell(r.title)} | ${r.strategy.replace(/_/g, ' ')} | ${usd(r.estimatedMonthlySavingsUsd)} | ${r.latencyImpactPct === undefined ? '—' : signedPct(r.latencyImpactPct)} | ${r.qualityRisk} |`,
      );
    });
    for (const [i, r] of recs.entries()) {
      if (r.steps.length === 0 && !r.rationale) continue;
      lines.push('', `### ${i + 1}. ${r.title}`);
      if (r.rationale) lines.push('', r.rationale);
      if (r.steps.length > 0) lines.push('', ...r.steps.map((step, j) => `${j + 1}. ${step}`));
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
    lines.push('| KPI | baseline | target | unit |', '|---|---:|---:|---|');
    for (const k of report.kpis) lines.push(`| ${cell(k.name)} | ${k.baseline ?? '—'} | ${k.target ?? '—'} | ${cell(k.unit)} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** A file name for downloads: `netra-report-2025-01-31.md`. */
export function reportFileName(report: Report, extension: 'md' | 'json'): string {
  return `netra-report-${day(report.window.to)}.${extension}`;
}

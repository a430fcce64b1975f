import { jest } from '@jest/globals';
import { renderToStaticMarkup } from 'react-dom/server';
import { emptyReport, fullReport, report } from './fixtures';

// The summary's Markdown goes through DOMPurify, which needs a browser DOM: here it is shown as plain text.
jest.unstable_mockModule('../src/ui/Markdown', () => ({
  Markdown: ({ source }: { source: string }) => <div className="markdown">{source}</div>,
}));
// The router follows `window.location`; links are not clicked here.
jest.unstable_mockModule('../src/app/router', () => ({ onLinkClick: () => undefined }));
const { ReportView } = await import('../src/ui/ReportView');

/** The page's text, tags removed (entities are the few React escapes). */
function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, ' ');
}

/** How many times `needle` occurs in `html`. */
function count(html: string, needle: string): number {
  return html.split(needle).length - 1;
}

describe('the report view', () => {
  const html = renderToStaticMarkup(<ReportView report={fullReport} />);
  const shown = text(html);

  it('says what the question was about and which names have no data', () => {
    expect(shown).toContain('About: support-chat · provider: openai · gpt-4o · team: search');
    expect(html).toMatch(/data-testid="scope-unknown"[^>]*>.*No data for gpt-9\./);
    expect(shown).toContain('forecast · written by local');
  });

  it('shows the findings as cards: title, value in its unit, detail and what they are about', () => {
    expect(count(html, 'data-testid="finding"')).toBe(fullReport.findings.length);
    expect(shown).toContain('p95 latency 16.6 s Slowest 5% of requests. gpt-4o');
    expect(shown).toContain('Error rate 1.9 % Failed requests. team: search');
    expect(shown).toContain('Monthly spend $1,234.50/month At the window’s pace. support-chat');
  });

  it('shows the comparison, the forecast and the current state in one unit style', () => {
    const table = html.slice(html.indexOf('data-testid="comparison"'));
    expect(count(table.slice(0, table.indexOf('</table>')), '<tr>')).toBe(1 + (fullReport.comparison?.length ?? 0));
    expect(shown).toContain('gpt-4o 300 $100.00 $333.3333 840 ms 2.5 s 1.3 % 0.91 $2.50 / $10.00');
    expect(shown).toContain('claude-3-5-haiku catalog only — — — — — — — $0.80 / $4.00');
    expect(shown).toContain('Next 30 days: $120.00 → $135.00 (+12.5 %), likely $125.00–$145.00');
    expect(shown).toContain('With +50.0 % traffic: $202.50');
    expect(shown).toContain('After the plan: $150.00');
    expect(shown).toContain('p95 latency 2.1 s');
    expect(shown).toContain('Error rate 1.3 %');
  });

  it('shows the previous period next to the current numbers, with the change', () => {
    const periods = html.slice(html.indexOf('data-testid="previous-period"'));
    // Right under the current-state cards.
    expect(html.indexOf('data-testid="current-state"')).toBeLessThan(html.indexOf('data-testid="previous-period"'));
    expect(count(periods, 'data-testid="period-')).toBe(4);
    expect(shown).toContain('Previous period (2024-12-02 – 2025-01-01) → this period (2025-01-01 – 2025-01-31):');
    expect(shown).toContain('Requests 1,000 → 1,200 (+20.0 %)');
    expect(shown).toContain('Total cost $100.00 → $123.45 (+23.5 %)');
    expect(shown).toContain('p95 latency 840 ms → 2.1 s (+150.0 %)');
    expect(shown).toContain('Error rate 1.9 % → 1.3 % (-34.2 %)');
    expect(html).toMatch(/data-testid="period-cost"><span class="period-label">Total cost<\/span> <span class="num">\$100\.00 → \$123\.45<\/span> <span class="muted">\(\+23\.5 %\)<\/span>/);
  });

  it('lists the recommendations with model, assumptions and the unverified risk; the minor ones collapsed', () => {
    expect(count(html, 'data-testid="recommendation"')).toBe(fullReport.recommendations.length);
    // Every cell carries the label the stacked (narrow screen) card shows.
    for (const label of ['Applies to', 'Strategy', 'Monthly savings', 'Latency', 'Quality risk']) {
      expect(count(html, `data-label="${label}"`)).toBe(fullReport.recommendations.length);
    }
    expect(shown).toContain('Switch support-chat from gpt-4o to claude-3-5-haiku Assumes: Quality holds on a shadow test 80% of traffic can move');
    expect(shown).toContain('support-chat gpt-4o model routing $30.00 — unverified — shadow-test first');
    expect(html).toContain('class="risk risk-unverified"');
    expect(shown).toContain('output cap');
    // Largest savings first.
    expect(shown.indexOf('Route simple prompts to mini')).toBeLessThan(shown.indexOf('Switch support-chat'));
    expect(shown.indexOf('Switch support-chat')).toBeLessThan(shown.indexOf('Cache repeated prompts'));
    expect(html).toMatch(/<details class="minor-recs" data-testid="minor-recommendations"><summary>2 minor items \(under \$1\.00\/month\)<\/summary>/);
    expect(shown).toContain('Retry less on 429 $0.40/month batch-jobs retry reduction none');
  });

  it('shows KPI values in their units', () => {
    expect(shown).toContain('Monthly cost $123.45 $50.70');
  });

  it('leaves out the parts a report does not have', () => {
    const plain = renderToStaticMarkup(<ReportView report={report} />);
    for (const id of ['findings', 'comparison', 'forecast', 'minor-recommendations', 'report-scope', 'scope-unknown', 'previous-period']) {
      expect(plain).not.toContain(`data-testid="${id}"`);
    }
    // Fleet-wide advice says so.
    expect(text(plain)).toContain('all apps model routing $60.25');
  });

  it('shows dashes, not zeros, when there is no data', () => {
    const empty = text(renderToStaticMarkup(<ReportView report={emptyReport} />));
    expect(empty).toContain('Requests — Total cost — p95 latency — Error rate —');
    expect(empty).not.toMatch(/\b0 ms\b|0\.0+ ?%/);
    expect(empty).toContain('There is no usage data in this window yet.');
    // Compared with a previous period that had data: its figures, then dashes.
    const compared = text(renderToStaticMarkup(<ReportView report={{ ...emptyReport, previousPeriod: fullReport.previousPeriod }} />));
    expect(compared).toContain('Requests 1,000 → — (—) Total cost $100.00 → — (—) p95 latency 840 ms → — (—) Error rate 1.9 % → — (—)');
  });
});

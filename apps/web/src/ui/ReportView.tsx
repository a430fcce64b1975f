import type { Report } from '@netra/contracts';
import { onLinkClick } from '../app/router';
import { day, int, ms, pct, ratioPct, signedPct, usd } from '../state/format';
import { reportFileName, reportToMarkdown, sortedRecommendations, totalSavings } from '../state/report';
import { CostChart } from './CostChart';
import { Icon } from './Icons';
import { Markdown } from './Markdown';

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const SEVERITY_ORDER = { high: 0, medium: 1, low: 2 } as const;

/** The SPEC §4 report: summary, current numbers, ranked recommendations, the plan, risks and KPIs. */
export function ReportView({ report }: { report: Report }) {
  const s = report.currentState;
  const recs = sortedRecommendations(report);
  return (
    <article className="report" aria-label="Report" data-testid="report">
      <header className="report-head">
        <div>
          <h3>Report</h3>
          <p className="muted">
            {day(report.window.from)} – {day(report.window.to)} · {report.intent.replace(/_/g, ' ')} · written by {report.generatedBy.model}
            {report.generatedBy.fallback ? ' (fallback)' : ''}
          </p>
        </div>
        <div className="row">
          <button type="button" className="small secondary" onClick={() => download(reportFileName(report, 'md'), 'text/markdown', reportToMarkdown(report))}>
            <Icon name="download" /> Markdown
          </button>
          <button
            type="button"
            className="small secondary"
            onClick={() => download(reportFileName(report, 'json'), 'application/json', `${JSON.stringify(report, null, 2)}\n`)}
          >
            <Icon name="download" /> JSON
          </button>
        </div>
      </header>

      <Markdown source={report.summary} className="report-summary" />

      {!report.dataAvailable ? (
        <p className="callout">
          There is no usage data in this window yet. Upload your LLM usage or generate a demo workload on the{' '}
          <a href="/data" onClick={(e) => onLinkClick(e, { name: 'data' })}>
            Data page
          </a>
          , then ask again.
        </p>
      ) : null}

      <section aria-label="Current state">
        <h4>Current state</h4>
        <dl className="stats" data-testid="current-state">
          <div>
            <dt>Requests</dt>
            <dd data-testid="stat-requests">{int(s.requests)}</dd>
          </div>
          <div>
            <dt>Total cost</dt>
            <dd data-testid="stat-cost">{usd(s.totalCostUsd)}</dd>
          </div>
          <div>
            <dt>p95 latency</dt>
            <dd data-testid="stat-p95">{ms(s.p95LatencyMs)}</dd>
          </div>
          <div>
            <dt>Error rate</dt>
            <dd data-testid="stat-errors">{ratioPct(s.errorRate)}</dd>
          </div>
          {report.projected ? (
            <div>
              <dt>Projected monthly savings</dt>
              <dd data-testid="stat-savings">
                {usd(report.projected.monthlySavingsUsd)} <span className="muted">({pct(report.projected.savingsPct)})</span>
              </dd>
            </div>
          ) : null}
        </dl>
        <CostChart report={report} />
      </section>

      <section aria-label="Recommendations">
        <h4>Recommendations</h4>
        {recs.length === 0 ? (
          <p className="muted">No recommendation applies to this data.</p>
        ) : (
          <div className="table-wrap">
            <table className="recs" data-testid="recommendations">
              <caption className="visually-hidden">Recommendations, largest monthly savings first (total {usd(totalSavings(report))})</caption>
              <thead>
                <tr>
                  <th scope="col">Recommendation</th>
                  <th scope="col">Strategy</th>
                  <th scope="col" className="num">
                    Monthly savings
                  </th>
                  <th scope="col" className="num">
                    Latency
                  </th>
                  <th scope="col">Quality risk</th>
                </tr>
              </thead>
              <tbody>
                {recs.map((r, i) => (
                  <tr key={`${r.title}-${i}`}>
                    <th scope="row">
                      {r.title}
                      {r.steps.length > 0 || r.rationale ? (
                        <details>
                          <summary>How</summary>
                          {r.rationale ? <p>{r.rationale}</p> : null}
                          {r.steps.length > 0 ? (
                            <ol>
                              {r.steps.map((step, j) => (
                                <li key={j}>{step}</li>
                              ))}
                            </ol>
                          ) : null}
                        </details>
                      ) : null}
                    </th>
                    <td>{r.strategy.replace(/_/g, ' ')}</td>
                    <td className="num" data-testid="rec-savings">
                      {usd(r.estimatedMonthlySavingsUsd)}
                    </td>
                    <td className="num">{r.latencyImpactPct === undefined ? '—' : signedPct(r.latencyImpactPct)}</td>
                    <td>
                      <span className={`risk risk-${r.qualityRisk}`}>{r.qualityRisk}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {report.actions.length > 0 ? (
        <section aria-label="Action plan">
          <h4>Action plan</h4>
          <ol className="actions">
            {[...report.actions]
              .sort((a, b) => a.order - b.order)
              .map((a) => (
                <li key={a.order}>
                  <strong>{a.title}</strong> <span className="badge">{a.kind.replace(/_/g, ' ')}</span>
                  <p>{a.detail}</p>
                  {a.validation ? (
                    <p className="muted">
                      <strong>Validate:</strong> {a.validation}
                    </p>
                  ) : null}
                  {a.rollback ? (
                    <p className="muted">
                      <strong>Roll back:</strong> {a.rollback}
                    </p>
                  ) : null}
                </li>
              ))}
          </ol>
        </section>
      ) : null}

      {report.risks.length > 0 ? (
        <section aria-label="Risks">
          <h4>Risks</h4>
          <ul className="risks">
            {[...report.risks]
              .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity])
              .map((r, i) => (
                <li key={i}>
                  <span className={`risk risk-${r.severity}`}>{r.severity}</span> {r.risk} <span className="muted">— {r.mitigation}</span>
                </li>
              ))}
          </ul>
        </section>
      ) : null}

      {report.kpis.length > 0 ? (
        <section aria-label="KPIs">
          <h4>KPIs to watch</h4>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">KPI</th>
                  <th scope="col" className="num">
                    Baseline
                  </th>
                  <th scope="col" className="num">
                    Target
                  </th>
                  <th scope="col">Unit</th>
                </tr>
              </thead>
              <tbody>
                {report.kpis.map((k) => (
                  <tr key={k.name}>
                    <th scope="row">{k.name}</th>
                    <td className="num">{k.baseline === null ? '—' : formatKpi(k.baseline)}</td>
                    <td className="num">{k.target === null ? '—' : formatKpi(k.target)}</td>
                    <td>{k.unit}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </article>
  );
}

function formatKpi(n: number): string {
  return Number.isInteger(n) ? int(n) : n.toLocaleString('en-US', { maximumFractionDigits: 4 });
}

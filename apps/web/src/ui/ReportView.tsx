import type { Finding, Recommendation, Report } from '@netra/contracts';
import { onLinkClick } from '../app/router';
import { day, pct, signedPct, usd } from '../state/format';
import {
  appliesTo,
  comparisonCells,
  currentStats,
  findingValue,
  forecastLines,
  INTENT_LABEL,
  kpiValue,
  minorSummary,
  periodComparison,
  QUALITY_RISK_LABEL,
  reportFileName,
  reportToMarkdown,
  scopeText,
  sortedMinorRecommendations,
  sortedRecommendations,
  STRATEGY_LABEL,
  subjectChips,
  totalSavings,
  unknownNames,
} from '../state/report';
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

/**
 * The SPEC §4 report: what it is about, summary, the findings behind it, current numbers, forecast, model
 * comparison, ranked recommendations (and the minor ones, collapsed), the plan, risks and KPIs.
 */
export function ReportView({ report }: { report: Report }) {
  const stats = currentStats(report);
  const recs = sortedRecommendations(report);
  const about = scopeText(report.scope);
  const unknown = unknownNames(report.scope);
  return (
    <article className="report" aria-label="Report" data-testid="report">
      <header className="report-head">
        <div>
          <h3>Report</h3>
          <p className="muted">
            {day(report.window.from)} – {day(report.window.to)} · {INTENT_LABEL[report.intent]} · written by {report.generatedBy.model}
            {report.generatedBy.fallback ? ' (fallback)' : ''}
          </p>
          {about ? (
            <p className="report-scope" data-testid="report-scope">
              <span className="muted">About:</span> {about}
            </p>
          ) : null}
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

      {unknown.length > 0 ? (
        <p className="callout callout-warn" role="note" data-testid="scope-unknown">
          <strong>No data for {unknown.join(', ')}.</strong> Your usage has nothing under {unknown.length === 1 ? 'this name' : 'these names'}, so the
          answer cannot say anything about {unknown.length === 1 ? 'it' : 'them'}. Check the spelling, or the app and model names on the{' '}
          <a href="/data" onClick={(e) => onLinkClick(e, { name: 'data' })}>
            Data page
          </a>
          .
        </p>
      ) : null}

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

      {report.findings.length > 0 ? (
        <section aria-label="Findings">
          <h4>Findings</h4>
          <ul className="findings" data-testid="findings">
            {report.findings.map((f, i) => (
              <FindingCard key={`${f.metric}-${i}`} finding={f} />
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-label="Current state">
        <h4>Current state</h4>
        <dl className="stats" data-testid="current-state">
          <div>
            <dt>Requests</dt>
            <dd data-testid="stat-requests">{stats.requests}</dd>
          </div>
          <div>
            <dt>Total cost</dt>
            <dd data-testid="stat-cost">{stats.cost}</dd>
          </div>
          <div>
            <dt>p95 latency</dt>
            <dd data-testid="stat-p95">{stats.p95}</dd>
          </div>
          <div>
            <dt>Error rate</dt>
            <dd data-testid="stat-errors">{stats.errorRate}</dd>
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
        <PreviousPeriod report={report} />
        <CostChart report={report} />
      </section>

      {report.forecast ? (
        <section aria-label="Forecast">
          <h4>Forecast</h4>
          <ul className="forecast" data-testid="forecast">
            {forecastLines(report).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          <p className="muted small-text">Method: {report.forecast.method}</p>
        </section>
      ) : null}

      {report.comparison && report.comparison.length > 0 ? (
        <section aria-label="Model comparison">
          <h4>Model comparison</h4>
          <div className="table-wrap">
            <table className="comparison" data-testid="comparison">
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col" className="num">
                    Requests
                  </th>
                  <th scope="col" className="num">
                    Cost
                  </th>
                  <th scope="col" className="num">
                    Per 1k requests
                  </th>
                  <th scope="col" className="num">
                    p50
                  </th>
                  <th scope="col" className="num">
                    p95
                  </th>
                  <th scope="col" className="num">
                    Errors
                  </th>
                  <th scope="col" className="num">
                    Quality
                  </th>
                  <th scope="col" className="num">
                    Price in / out (1M tokens)
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.comparison.map((row) => {
                  const c = comparisonCells(row);
                  return (
                    <tr key={row.model}>
                      <th scope="row">
                        {row.model}
                        {row.inData ? null : (
                          <>
                            {' '}
                            <span className="badge" title="Not in your usage: figures from the model catalog">
                              catalog only
                            </span>
                          </>
                        )}
                      </th>
                      <td className="num">{c.requests}</td>
                      <td className="num">{c.cost}</td>
                      <td className="num">{c.costPer1k}</td>
                      <td className="num">{c.p50}</td>
                      <td className="num">{c.p95}</td>
                      <td className="num">{c.errorRate}</td>
                      <td className="num">{c.quality}</td>
                      <td className="num">{c.prices}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      <section aria-label="Recommendations">
        <h4>Recommendations</h4>
        {recs.length === 0 ? (
          <p className="muted">No recommendation applies to this data.</p>
        ) : (
          <div className="table-wrap recs-wrap">
            <table className="recs" data-testid="recommendations">
              <caption className="visually-hidden">Recommendations, largest monthly savings first (total {usd(totalSavings(report))})</caption>
              <thead>
                <tr>
                  <th scope="col">Recommendation</th>
                  <th scope="col">Applies to</th>
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
                  <RecommendationRow key={`${r.title}-${i}`} recommendation={r} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <MinorRecommendations report={report} />
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
            <table className="kpis">
              <thead>
                <tr>
                  <th scope="col">KPI</th>
                  <th scope="col" className="num">
                    Baseline
                  </th>
                  <th scope="col" className="num">
                    Target
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.kpis.map((k) => (
                  <tr key={k.name}>
                    <th scope="row">{k.name}</th>
                    <td className="num">{kpiValue(k.baseline, k.unit)}</td>
                    <td className="num">{kpiValue(k.target, k.unit)}</td>
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

function Chips({ items }: { items: string[] }) {
  if (items.length === 0) return null;
  return (
    <span className="chips">
      {items.map((c, i) => (
        <span key={`${i}-${c}`} className="chip">
          {c}
        </span>
      ))}
    </span>
  );
}

function FindingCard({ finding }: { finding: Finding }) {
  return (
    <li className="finding" data-testid="finding">
      <span className="finding-title">{finding.title}</span>
      <span className="finding-value" data-testid="finding-value">
        {findingValue(finding)}
      </span>
      <span className="finding-detail">{finding.detail}</span>
      <Chips items={subjectChips(finding)} />
    </li>
  );
}

function QualityRiskBadge({ risk }: { risk: Recommendation['qualityRisk'] }) {
  return <span className={`risk risk-${risk}`}>{QUALITY_RISK_LABEL[risk]}</span>;
}

/**
 * One recommendation: a table row on wide screens; below 600 px the same cells are laid out as a stacked card by
 * the stylesheet (title, then savings and quality risk, what it applies to, strategy and latency, then the
 * assumptions and the steps; each cell labelled by its `data-label`), so nothing is squeezed into a narrow column.
 */
function RecommendationRow({ recommendation: r }: { recommendation: Recommendation }) {
  const assumptions = r.assumptions ?? [];
  return (
    <tr className="rec" data-testid="recommendation">
      <th scope="row" className="rec-main">
        <span className="rec-title" data-testid="rec-title">
          {r.title}
        </span>
        {assumptions.length > 0 ? (
          <div className="assumptions">
            <span className="assumptions-label">Assumes:</span>
            <ul>
              {assumptions.map((a, j) => (
                <li key={j}>{a}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {r.steps.length > 0 || r.rationale ? (
          <details className="rec-how">
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
      <td data-label="Applies to" className="rec-subject">
        {subjectChips(r).length > 0 ? <Chips items={subjectChips(r)} /> : <span className="muted">{appliesTo(r)}</span>}
      </td>
      <td data-label="Strategy" className="rec-strategy">
        {STRATEGY_LABEL[r.strategy]}
      </td>
      <td data-label="Monthly savings" className="num rec-savings" data-testid="rec-savings">
        {usd(r.estimatedMonthlySavingsUsd)}
      </td>
      <td data-label="Latency" className="num rec-latency">
        {r.latencyImpactPct === undefined ? '—' : signedPct(r.latencyImpactPct)}
      </td>
      <td data-label="Quality risk" className="rec-risk">
        <QualityRiskBadge risk={r.qualityRisk} />
      </td>
    </tr>
  );
}

/** "This week vs last week": each current figure after the previous period's, with the change. */
function PreviousPeriod({ report }: { report: Report }) {
  const periods = periodComparison(report);
  if (!periods) return null;
  return (
    <div className="period-compare" data-testid="previous-period">
      <p className="muted small-text">
        Previous period ({periods.previousWindow}) → this period ({periods.currentWindow}):
      </p>
      <ul>
        {periods.rows.map((r) => (
          <li key={r.metric} data-testid={`period-${r.metric}`}>
            <span className="period-label">{r.label}</span>{' '}
            <span className="num">
              {r.previous} → {r.current}
            </span>{' '}
            <span className="muted">({r.change})</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Recommendations too small for the plan: listed, collapsed. */
function MinorRecommendations({ report }: { report: Report }) {
  const summary = minorSummary(report);
  if (!summary) return null;
  return (
    <details className="minor-recs" data-testid="minor-recommendations">
      <summary>{summary}</summary>
      <ul>
        {sortedMinorRecommendations(report).map((r, i) => (
          <li key={`${r.title}-${i}`}>
            <span className="minor-title">{r.title}</span> <span className="num">{usd(r.estimatedMonthlySavingsUsd)}/month</span>{' '}
            <Chips items={subjectChips(r)} /> <span className="muted small-text">{STRATEGY_LABEL[r.strategy]}</span> <QualityRiskBadge risk={r.qualityRisk} />
            {r.assumptions && r.assumptions.length > 0 ? <span className="muted small-text"> · assumes: {r.assumptions.join('; ')}</span> : null}
          </li>
        ))}
      </ul>
    </details>
  );
}

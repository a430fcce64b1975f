import type { Report } from '@netra/contracts';
import { ratioPct, usd } from '../state/format';
import { costByModel } from '../state/report';

const ROW = 28;
const LABEL_W = 150;
const VALUE_W = 90;
const WIDTH = 560;

/**
 * Horizontal bars of cost by model, as SVG: crisp at any width, no canvas, no inline styles (CSP-friendly), and a
 * real table next to it for screen readers.
 */
export function CostChart({ report }: { report: Report }) {
  const rows = costByModel(report);
  if (rows.length === 0) return null;
  const max = Math.max(...rows.map((r) => r.costUsd), 0.000001);
  const barSpace = WIDTH - LABEL_W - VALUE_W;
  const height = rows.length * ROW + 8;
  return (
    <figure className="cost-chart">
      <figcaption>Cost by model</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-labelledby="cost-chart-desc" preserveAspectRatio="xMinYMin meet">
        <desc id="cost-chart-desc">{rows.map((r) => `${r.model}: ${usd(r.costUsd)}`).join('; ')}</desc>
        {rows.map((r, i) => {
          const y = 4 + i * ROW;
          const w = Math.max(1, (r.costUsd / max) * barSpace);
          return (
            <g key={r.model}>
              <text x={LABEL_W - 8} y={y + ROW / 2 + 4} textAnchor="end" className="chart-label">
                {r.model.length > 20 ? `${r.model.slice(0, 19)}…` : r.model}
              </text>
              <rect x={LABEL_W} y={y + 4} width={w} height={ROW - 10} rx="3" className={`bar bar-${i % 6}`} />
              <text x={LABEL_W + w + 6} y={y + ROW / 2 + 4} className="chart-value">
                {usd(r.costUsd)}
              </text>
            </g>
          );
        })}
      </svg>
      <table className="visually-hidden">
        <caption>Cost by model</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Cost</th>
            <th scope="col">Share</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.model}>
              <th scope="row">{r.model}</th>
              <td>{usd(r.costUsd)}</td>
              <td>{ratioPct(r.share)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

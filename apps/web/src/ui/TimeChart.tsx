import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SeriesSet } from '../state/usage';

export const PALETTE = ['#1d4ed8', '#b45309', '#047857', '#b91c1c', '#7c3aed', '#0e7490', '#4b5563'];

/**
 * A daily time series per model, drawn by uPlot (≈ 50 kB, canvas, no dependencies). The canvas is hidden from
 * assistive technology; the same numbers are in a table below it.
 */
export function TimeChart({ title, data, format, testId }: { title: string; data: SeriesSet; format: (n: number) => string; testId: string }) {
  const holder = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = holder.current;
    if (!el || data.days.length === 0) return;
    const xs = data.days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    const options: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 220,
      // Days are UTC days: label them in UTC, not shifted by the viewer's time zone.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      legend: { show: true, live: false },
      cursor: { points: { size: 6 } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        {},
        {
          values: (_u, ticks) => ticks.map((t) => format(t)),
          size: 72,
        },
      ],
      series: [
        {},
        ...data.series.map((s, i) => ({
          label: s.model,
          stroke: PALETTE[i % PALETTE.length] as string,
          width: 2,
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)),
        })),
      ],
    };
    const plot = new uPlot(options, [xs, ...data.series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, format]);

  return (
    <figure className="time-chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      {data.days.length === 0 ? <p className="muted">No data in this window.</p> : <div ref={holder} className="uplot-holder" aria-hidden="true" />}
      {data.days.length > 0 ? (
        <details>
          <summary>Show as a table</summary>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{title}</caption>
              <thead>
                <tr>
                  <th scope="col">Day (UTC)</th>
                  {data.series.map((s) => (
                    <th key={s.model} scope="col" className="num">
                      {s.model}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.days.map((d, i) => (
                  <tr key={d}>
                    <th scope="row">{d}</th>
                    {data.series.map((s) => {
                      const v = s.values[i];
                      return (
                        <td key={s.model} className="num">
                          {v === null || v === undefined ? '—' : format(v)}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
    </figure>
  );
}

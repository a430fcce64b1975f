import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { ImportResult, SyntheticUsageResult, UsageSummary } from '@netra/contracts';
import { problemFrom } from '../app/controller';
import { duration, int, latencyColumns, NO_VALUE, ratioPct, usd } from '../state/format';
import type { Problem } from '../state/problem';
import { seriesByApp, seriesByModel } from '../state/usage';
import { useAction, useController } from './context';
import { Alert } from './ProblemText';
import { TimeChart } from './TimeChart';

const RANGES = [7, 30, 90] as const;
const DAY_MS = 86_400_000;
/** Where an admin adds or corrects a model's price (the API docs of the catalog, served by the gateway). */
const CATALOG_DOCS = '/api/docs/#/models';

/** Start of the current UTC day, in ms. */
function startOfUtcDay(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS;
}

/** `3 Nov 2026` (UTC). */
function dayLabel(ms: number): string {
  return new Date(ms).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** Usage data: bring it in (file import or a demo workload) and see what it says, per model and day. */
export function DataPage() {
  const controller = useController();
  const [days, setDays] = useState<(typeof RANGES)[number]>(30);
  const [summary, setSummary] = useState<UsageSummary | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const rangeId = useId();

  // The window: `days` whole UTC days before today, plus today so far. Whole days are what a demo workload of
  // `days` days covers exactly (it ends where today begins), so "generated" and "in the window" agree.
  const [range, setRange] = useState<{ from: number; today: number; to: number } | null>(null);

  const refresh = useCallback(async () => {
    setLoading(true);
    setProblem(null);
    try {
      const now = Date.now();
      const today = startOfUtcDay(now);
      const from = today - days * DAY_MS;
      setSummary(await controller.usageSummary(new Date(from), new Date(now)));
      setRange({ from, today, to: now });
    } catch (e) {
      setProblem(problemFrom(e));
    } finally {
      setLoading(false);
    }
  }, [controller, days]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return (
    <section className="page data-page" aria-labelledby="data-title">
      <h1 id="data-title">Usage data</h1>
      <p className="lead">
        Netra analyses the LLM calls your applications make. Send them as JSONL or CSV (one call per line: id, timestamp, app, model,
        promptTokens, completionTokens, latencyMs, status, and optionally costUsd, promptHash…), or generate a realistic demo workload.
      </p>
      <div className="cards">
        <UploadCard onDone={() => void refresh()} />
        <SyntheticCard onDone={() => void refresh()} />
      </div>

      <div className="section-head">
        <h2>What the data says</h2>
        <div className="row">
          <label htmlFor={rangeId}>Window</label>
          <select id={rangeId} value={days} onChange={(e) => setDays(Number(e.target.value) as (typeof RANGES)[number])}>
            {RANGES.map((d) => (
              <option key={d} value={d}>
                Last {d} days and today
              </option>
            ))}
          </select>
          <button type="button" className="small secondary" onClick={() => void refresh()} disabled={loading}>
            {loading ? 'Loading…' : 'Refresh'}
          </button>
        </div>
      </div>
      <Alert problem={problem} kind="callout" />
      {summary && range ? (
        <p className="help" data-testid="usage-window">
          {dayLabel(range.from)} – {dayLabel(range.today - DAY_MS)} ({days} whole UTC days) and today so far: {int(summary.totals.requests)} requests. Charts show
          whole days only; today&apos;s calls are in the totals and tables.
        </p>
      ) : null}
      {summary && range ? <SummaryView summary={summary} today={range.today} /> : null}
    </section>
  );
}

function SummaryView({ summary, today }: { summary: UsageSummary; today: number }) {
  const [by, setBy] = useState<'model' | 'app'>('model');
  const byId = useId();
  // Today is not over: drawn, it would look like a drop in traffic. The charts end with yesterday.
  const whole = useMemo(() => {
    const todayKey = new Date(today).toISOString().slice(0, 10);
    return {
      byDayAndModel: summary.byDayAndModel.filter((r) => r.day.slice(0, 10) < todayKey),
      byDayAndApp: summary.byDayAndApp.filter((r) => r.day.slice(0, 10) < todayKey),
    };
  }, [summary, today]);
  const series = by === 'model' ? seriesByModel : seriesByApp;
  const cost = useMemo(() => series(whole, 'costUsd'), [series, whole]);
  const requests = useMemo(() => series(whole, 'requests'), [series, whole]);
  const p95 = useMemo(() => series(whole, 'p95LatencyMs'), [series, whole]);
  const unpriced = summary.byModel.filter((m) => m.requests > 0 && m.costUsd === 0).map((m) => m.model);
  const t = summary.totals;
  // Latency and error rate of no request were not measured: `—`, not `0 ms`.
  const measured = t.requests > 0;
  return (
    <div data-testid="usage-summary">
      <dl className="stats">
        <div>
          <dt>Requests</dt>
          <dd data-testid="usage-requests">{int(t.requests)}</dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd data-testid="usage-cost">{usd(t.costUsd)}</dd>
        </div>
        <div>
          <dt>p95 latency</dt>
          <dd>{measured ? duration(t.p95LatencyMs) : NO_VALUE}</dd>
        </div>
        <div>
          <dt>Error rate</dt>
          <dd>{measured ? ratioPct(t.errorRate) : NO_VALUE}</dd>
        </div>
      </dl>
      <div className="row">
        <label htmlFor={byId}>Charts by</label>
        <select id={byId} value={by} onChange={(e) => setBy(e.target.value === 'app' ? 'app' : 'model')}>
          <option value="model">model</option>
          <option value="app">app</option>
        </select>
      </div>
      <div className="charts">
        <TimeChart key={`cost-${by}`} title={`Daily cost by ${by}`} data={cost} format={usdTick} testId="chart-cost" />
        <TimeChart key={`requests-${by}`} title={`Daily requests by ${by}`} data={requests} format={int} testId="chart-requests" />
        <TimeChart key={`p95-${by}`} title={`Daily p95 latency by ${by}`} data={p95} format={duration} testId="chart-p95" />
      </div>
      {unpriced.length > 0 ? (
        <p className="callout callout-warn" data-testid="unpriced-models">
          Not priced: {unpriced.join(', ')}. Their calls count as $0 until an admin adds the model to the{' '}
          <a href={CATALOG_DOCS}>model catalog</a>; the stored calls are then repriced.
        </p>
      ) : null}
      <Breakdown caption="By model" testId="usage-by-model" rows={summary.byModel.map((m) => ({ ...m, key: m.model }))} unpriced={unpriced} />
      <Breakdown caption="By app" testId="usage-by-app" rows={summary.byApp.map((a) => ({ ...a, key: a.app }))} unpriced={[]} />
    </div>
  );
}

type BreakdownRow = Omit<UsageSummary['byModel'][number], 'model'> & { key: string };

/** Requests, cost, p50/p95 (one unit per table) and errors per model or per app, the costliest first. */
function Breakdown({ caption, testId, rows, unpriced }: { caption: string; testId: string; rows: BreakdownRow[]; unpriced: string[] }) {
  if (rows.length === 0) return null;
  const latency = latencyColumns(rows.flatMap((r) => [r.p50LatencyMs, r.p95LatencyMs]));
  return (
    <div className="table-wrap">
      <table data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{caption === 'By app' ? 'App' : 'Model'}</th>
            <th scope="col" className="num">
              Requests
            </th>
            <th scope="col" className="num">
              Cost
            </th>
            <th scope="col" className="num">
              p50 ({latency.unit})
            </th>
            <th scope="col" className="num">
              p95 ({latency.unit})
            </th>
            <th scope="col" className="num">
              Errors
            </th>
          </tr>
        </thead>
        <tbody>
          {[...rows]
            .sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests)
            .map((r) => (
              <tr key={r.key}>
                <th scope="row">
                  {r.key}
                  {unpriced.includes(r.key) ? (
                    <>
                      {' '}
                      <a className="badge" href={CATALOG_DOCS} title="Not in the model catalog: counted as $0">
                        not priced
                      </a>
                    </>
                  ) : null}
                </th>
                <td className="num">{int(r.requests)}</td>
                <td className="num">{usd(r.costUsd)}</td>
                <td className="num">{r.requests > 0 ? latency.format(r.p50LatencyMs) : NO_VALUE}</td>
                <td className="num">{r.requests > 0 ? latency.format(r.p95LatencyMs) : NO_VALUE}</td>
                <td className="num">{r.requests > 0 ? ratioPct(r.errorRate) : NO_VALUE}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}

function usdTick(n: number): string {
  return n >= 100 ? `$${Math.round(n).toLocaleString('en-US')}` : usd(n);
}

function UploadCard({ onDone }: { onDone: () => void }) {
  const controller = useController();
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const abort = useRef<(() => void) | null>(null);

  useEffect(() => () => abort.current?.(), []);

  async function upload(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    setResult(null);
    setProblem(null);
    setProgress({ sent: 0, total: file.size });
    const job = controller.importUsage(file, (sent, total) => setProgress({ sent, total }));
    abort.current = job.abort;
    try {
      setResult(await job.done);
      onDone();
    } catch (e) {
      if (!(e instanceof DOMException && e.name === 'AbortError')) setProblem(problemFrom(e));
    } finally {
      abort.current = null;
      setProgress(null);
    }
  }

  const uploading = progress !== null;
  const sentAll = progress !== null && progress.sent >= progress.total;
  const percent = progress && progress.total > 0 ? Math.round((progress.sent / progress.total) * 100) : 0;
  return (
    <form className="card" onSubmit={(e) => void upload(e)} data-testid="upload-form">
      <h2>Import a file</h2>
      <label htmlFor={id}>JSONL or CSV file of usage events</label>
      <input id={id} type="file" accept=".jsonl,.ndjson,.json,.csv,application/x-ndjson,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      <div className="row">
        <button type="submit" className="primary" disabled={!file || uploading}>
          {uploading ? 'Importing…' : 'Import'}
        </button>
        {uploading ? (
          <button type="button" className="secondary" onClick={() => abort.current?.()}>
            Cancel
          </button>
        ) : null}
      </div>
      {progress ? (
        <div className="progress" aria-live="polite">
          <progress max={100} value={sentAll ? undefined : percent} aria-label="Upload progress" />
          <span>{sentAll ? 'Uploaded; the server is storing the events…' : `${percent}% uploaded`}</span>
        </div>
      ) : null}
      <Alert problem={problem} />
      {result ? (
        // Rejected lines make it a warning, not a success: the good lines are stored, the others need fixing.
        <div className={result.rejected > 0 ? 'result callout callout-warn' : 'result'} role="status" data-testid="import-result" data-outcome={result.rejected > 0 ? 'partial' : 'ok'}>
          <p>
            <strong>{int(result.accepted)}</strong> events imported, {int(result.duplicates)} duplicates skipped, {int(result.rejected)} rejected
            ({int(result.lines)} lines, {result.format.toUpperCase()}).
          </p>
          {result.rejected > 0 ? <p>Fix the rejected lines and import the file again: lines already stored are skipped as duplicates.</p> : null}
          {result.errors.length > 0 ? (
            <ul className="rejections">
              {result.errors.map((e, i) => (
                <li key={i}>
                  {e.line !== undefined ? `Line ${e.line}` : e.index !== undefined ? `Item ${e.index + 1}` : 'An event'}: {e.message}
                </li>
              ))}
            </ul>
          ) : null}
          {result.unpricedModels && result.unpricedModels.length > 0 ? (
            <p data-testid="import-unpriced">
              Not priced: {result.unpricedModels.join(', ')} — stored at $0 until an admin adds {result.unpricedModels.length === 1 ? 'it' : 'them'} to the{' '}
              <a href={CATALOG_DOCS}>model catalog</a>, which reprices these calls.
            </p>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}

function SyntheticCard({ onDone }: { onDone: () => void }) {
  const controller = useController();
  const id = useId();
  const [days, setDays] = useState(30);
  const [perDay, setPerDay] = useState(2000);
  const [seed, setSeed] = useState(42);
  const [result, setResult] = useState<SyntheticUsageResult | null>(null);
  const { busy, problem, run } = useAction();

  function generate(event: FormEvent) {
    event.preventDefault();
    setResult(null);
    void run(async () => {
      setResult(await controller.generateSynthetic({ days, requestsPerDay: perDay, seed }));
      onDone();
    });
  }

  return (
    <form className="card" onSubmit={generate} data-testid="synthetic-form">
      <h2>Generate a demo workload</h2>
      <p className="help">Several apps and models with realistic latencies, repeated prompts and a few anomalous days. The same seed gives the same data.</p>
      <div className="fields">
        <label htmlFor={`${id}-days`}>Days</label>
        <input id={`${id}-days`} type="number" min={1} max={365} required value={days} onChange={(e) => setDays(Number(e.target.value))} />
        <label htmlFor={`${id}-rpd`}>Requests per day</label>
        <input id={`${id}-rpd`} type="number" min={1} max={100000} required value={perDay} onChange={(e) => setPerDay(Number(e.target.value))} />
        <label htmlFor={`${id}-seed`}>Seed</label>
        <input id={`${id}-seed`} type="number" min={0} max={2147483647} required value={seed} onChange={(e) => setSeed(Number(e.target.value))} />
      </div>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Generating…' : 'Generate'}
      </button>
      <Alert problem={problem} />
      {result ? (
        <p className="result" role="status" data-testid="synthetic-result">
          <strong>{int(result.generated)}</strong> events generated for {dayLabel(Date.parse(result.window.from))} –{' '}
          {dayLabel(Date.parse(result.window.to) - DAY_MS)} ({days} whole UTC days, ending yesterday; weekdays are busier than weekends and an anomalous day
          can triple the traffic, so this is not exactly {int(days * perDay)}): {int(result.accepted)} new, {int(result.duplicates)} already there. &ldquo;Last{' '}
          {days} days and today&rdquo; below holds all of them.
        </p>
      ) : null}
    </form>
  );
}

import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { ImportResult, SyntheticUsageResult, UsageSummary } from '@netra/contracts';
import { problemFrom } from '../app/controller';
import { duration, int, NO_VALUE, ratioPct, usd } from '../state/format';
import type { Problem } from '../state/problem';
import { seriesByModel } from '../state/usage';
import { useAction, useController } from './context';
import { Alert } from './ProblemText';
import { TimeChart } from './TimeChart';

const RANGES = [7, 30, 90] as const;
const DAY_MS = 86_400_000;

/** Usage data: bring it in (file import or a demo workload) and see what it says, per model and day. */
export function DataPage() {
  const controller = useController();
  const [days, setDays] = useState<(typeof RANGES)[number]>(30);
  const [summary, setSummary] = useState<UsageSummary | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const rangeId = useId();

  const refresh = useCallback(async () => {
    setLoading(true);
    setProblem(null);
    try {
      const to = new Date();
      setSummary(await controller.usageSummary(new Date(to.getTime() - days * DAY_MS), to));
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
                Last {d} days
              </option>
            ))}
          </select>
          <button type="button" className="small secondary" onClick={() => void refresh()} disabled={loading}>
            {loading ? 'Loading…' : 'Refresh'}
          </button>
        </div>
      </div>
      <Alert problem={problem} kind="callout" />
      {summary ? <SummaryView summary={summary} /> : null}
    </section>
  );
}

function SummaryView({ summary }: { summary: UsageSummary }) {
  const cost = useMemo(() => seriesByModel(summary, 'costUsd'), [summary]);
  const requests = useMemo(() => seriesByModel(summary, 'requests'), [summary]);
  const p95 = useMemo(() => seriesByModel(summary, 'p95LatencyMs'), [summary]);
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
      <div className="charts">
        <TimeChart title="Daily cost by model" data={cost} format={usdTick} testId="chart-cost" />
        <TimeChart title="Daily requests by model" data={requests} format={int} testId="chart-requests" />
        <TimeChart title="Daily p95 latency by model" data={p95} format={duration} testId="chart-p95" />
      </div>
      {summary.byModel.length > 0 ? (
        <div className="table-wrap">
          <table data-testid="usage-by-model">
            <caption>By model</caption>
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
                  p50
                </th>
                <th scope="col" className="num">
                  p95
                </th>
                <th scope="col" className="num">
                  Errors
                </th>
              </tr>
            </thead>
            <tbody>
              {[...summary.byModel]
                .sort((a, b) => b.costUsd - a.costUsd)
                .map((m) => (
                  <tr key={m.model}>
                    <th scope="row">{m.model}</th>
                    <td className="num">{int(m.requests)}</td>
                    <td className="num">{usd(m.costUsd)}</td>
                    <td className="num">{duration(m.p50LatencyMs)}</td>
                    <td className="num">{duration(m.p95LatencyMs)}</td>
                    <td className="num">{ratioPct(m.errorRate)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      ) : null}
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
        <div className="result" role="status" data-testid="import-result">
          <p>
            <strong>{int(result.accepted)}</strong> events imported, {int(result.duplicates)} duplicates skipped, {int(result.rejected)} rejected
            ({int(result.lines)} lines, {result.format.toUpperCase()}).
          </p>
          {result.errors.length > 0 ? (
            <ul className="rejections">
              {result.errors.map((e, i) => (
                <li key={i}>
                  {e.line !== undefined ? `Line ${e.line}` : e.index !== undefined ? `Item ${e.index + 1}` : 'An event'}: {e.message}
                </li>
              ))}
            </ul>
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
          <strong>{int(result.generated)}</strong> events generated ({int(result.accepted)} new, {int(result.duplicates)} already there).
        </p>
      ) : null}
    </form>
  );
}

import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import {
  AlertList,
  Budget,
  BudgetList,
  PingResult,
  RecommendationList,
  RecommendationOutcome,
  Schedule,
  ScheduleList,
  StoredRecommendation,
  Webhook,
  WebhookCreated,
  WebhookDeliveryList,
  WebhookList,
  WEBHOOK_EVENT_TYPES,
  type Alert as AlertRecord,
  type BudgetPeriod,
  type WebhookDelivery,
  type WebhookEventType,
} from '@netra/contracts';
import { problemFrom } from '../app/controller';
import { NO_VALUE, usd } from '../state/format';
import type { Problem } from '../state/problem';
import { useAction, useApp, useController } from './context';
import { Alert } from './ProblemText';

/** What Netra watches for the user: alerts, budgets, webhooks, schedules and adopted recommendations (issue 15). */
export function WatchPage() {
  const controller = useController();
  const pushed = useApp((s) => s.alerts);
  // Looking at the page is seeing the alerts: the badge clears, now and while the page stays open.
  useEffect(() => controller.store.dispatch({ type: 'alerts_seen' }), [controller, pushed]);
  return (
    <section className="page watch-page" aria-labelledby="watch-title">
      <h1 id="watch-title">Watch</h1>
      <p className="lead">Budgets and alerts on your spend, reports on a schedule, webhooks to your systems, and whether adopted advice saved what it promised.</p>
      <AlertsSection live={pushed.length} />
      <BudgetsSection />
      <WebhooksSection />
      <SchedulesSection />
      <RecommendationsSection />
    </section>
  );
}

/** Loads a list on mount and whenever `deps` change; `reload` for after a change. */
function useList<T>(load: () => Promise<T[]>, deps: unknown[]): { items: T[] | null; problem: Problem | null; reload: () => void } {
  const [items, setItems] = useState<T[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && (setItems(data), setProblem(null)),
      (error: unknown) => live && setProblem(problemFrom(error)),
    );
    return () => {
      live = false;
    };
    // `load` is a new closure each render: what it reads is in `deps`, the reloads are `version`.
  }, [version, ...deps]);
  return { items, problem, reload: useCallback(() => setVersion((v) => v + 1), []) };
}

function when(iso: string): string {
  return new Date(iso).toLocaleString();
}

function AlertsSection({ live }: { live: number }) {
  const http = useController().http;
  // A pushed notification (`live` changes) reloads the list: the stored alerts are the history.
  const { items, problem } = useList(async () => (await http.request('GET', '/alerts?limit=50', AlertList)).data, [live]);
  return (
    <section aria-labelledby="alerts-title" className="card">
      <h2 id="alerts-title">Alerts</h2>
      <Alert problem={problem} kind="callout" />
      {items && items.length === 0 ? <p className="muted">No alerts yet.</p> : null}
      <ul className="plain-list" data-testid="alerts">
        {items?.map((a: AlertRecord) => (
          <li key={a.id}>
            <span className="badge">{a.kind}</span> {a.message} <span className="muted">{when(a.createdAt)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Cumulative spend per day of the period against the budget: bars, and a line at the amount. */
function SpendChart({ budget }: { budget: Budget }) {
  const width = 240;
  const height = 60;
  const days = budget.status.daily;
  // Scaled to the budget (or the spend past it), not the forecast: the line at the amount stays in view.
  const top = Math.max(budget.amountUsd, budget.status.spentUsd) * 1.2 || 1;
  const y = (v: number) => height - (v / top) * height;
  let running = 0;
  const step = width / Math.max(days.length, 1);
  return (
    <svg width={width} height={height} role="img" aria-label={`Spent ${usd(budget.status.spentUsd)} of ${usd(budget.amountUsd)}`} className="spend-chart">
      {days.map((d, i) => {
        running += d.costUsd;
        return <rect key={d.day} x={i * step + 1} width={Math.max(step - 2, 1)} y={y(running)} height={height - y(running)} fill="var(--accent)" />;
      })}
      <line x1={0} x2={width} y1={y(budget.amountUsd)} y2={y(budget.amountUsd)} stroke="#b91c1c" strokeDasharray="4 3" />
    </svg>
  );
}

function BudgetsSection() {
  const http = useController().http;
  const { items, problem, reload } = useList(async () => (await http.request('GET', '/budgets', BudgetList)).data, []);
  const action = useAction();
  const [name, setName] = useState('');
  const [amount, setAmount] = useState('100');
  const [period, setPeriod] = useState<BudgetPeriod>('month');
  const [app, setApp] = useState('');
  const ids = { name: useId(), amount: useId(), period: useId(), app: useId() };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await action.run(() =>
      http.request('POST', '/budgets', Budget, { name, amountUsd: Number(amount), period, ...(app.trim() ? { scope: { apps: [app.trim()] } } : {}) }),
    );
    if (ok) {
      setName('');
      reload();
    }
  };
  return (
    <section aria-labelledby="budgets-title" className="card">
      <h2 id="budgets-title">Budgets</h2>
      <form className="row wrap" onSubmit={(e) => void submit(e)} data-testid="budget-form">
        <label htmlFor={ids.name}>Name</label>
        <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        <label htmlFor={ids.amount}>Amount (USD)</label>
        <input id={ids.amount} type="number" min="0.01" step="0.01" value={amount} onChange={(e) => setAmount(e.target.value)} required />
        <label htmlFor={ids.period}>Period</label>
        <select id={ids.period} value={period} onChange={(e) => setPeriod(e.target.value as BudgetPeriod)}>
          <option value="day">Day</option>
          <option value="week">Week</option>
          <option value="month">Month</option>
        </select>
        <label htmlFor={ids.app}>App (optional)</label>
        <input id={ids.app} value={app} onChange={(e) => setApp(e.target.value)} maxLength={200} />
        <button type="submit" disabled={action.busy}>
          Add budget
        </button>
      </form>
      <Alert problem={action.problem ?? problem} />
      <ul className="plain-list" data-testid="budgets">
        {items?.map((b) => (
          <li key={b.id} className="row wrap">
            <strong>{b.name}</strong>
            <span>
              {usd(b.status.spentUsd)} of {usd(b.amountUsd)} this {b.period} · forecast {usd(b.status.forecastUsd)} · alerts at{' '}
              {b.thresholds.map((t) => `${Math.round(t * 100)} %`).join(', ')}
            </span>
            <SpendChart budget={b} />
            <button type="button" className="small secondary" onClick={() => void action.run(() => http.request('DELETE', `/budgets/${b.id}`, Budget)).then(reload)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function WebhooksSection() {
  const http = useController().http;
  const { items, problem, reload } = useList(async () => (await http.request('GET', '/webhooks', WebhookList)).data, []);
  const action = useAction();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEventType[]>(['budget.threshold_crossed', 'budget.forecast_exceeded', 'anomaly.detected']);
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const urlId = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await action.run(async () => {
      const created = await http.request('POST', '/webhooks', WebhookCreated, { url, events });
      setSecret(created.secret);
    });
    if (ok) {
      setUrl('');
      reload();
    }
  };
  const toggle = (type: WebhookEventType) => setEvents((list) => (list.includes(type) ? list.filter((t) => t !== type) : [...list, type]));
  return (
    <section aria-labelledby="webhooks-title" className="card">
      <h2 id="webhooks-title">Webhooks</h2>
      <form onSubmit={(e) => void submit(e)} data-testid="webhook-form">
        <div className="row wrap">
          <label htmlFor={urlId}>Endpoint URL</label>
          <input id={urlId} type="url" value={url} onChange={(e) => setUrl(e.target.value)} required placeholder="https://example.com/netra" />
        </div>
        <fieldset className="row wrap">
          <legend>Events</legend>
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label key={type}>
              <input type="checkbox" checked={events.includes(type)} onChange={() => toggle(type)} /> {type}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={action.busy || events.length === 0}>
          Add webhook
        </button>
      </form>
      {secret ? (
        <p className="callout" data-testid="webhook-secret">
          Signing secret (shown only now): <code>{secret}</code>
        </p>
      ) : null}
      <Alert problem={action.problem ?? problem} />
      <ul className="plain-list" data-testid="webhooks">
        {items?.map((w: Webhook) => (
          <li key={w.id}>
            <div className="row wrap">
              <code>{w.url}</code>
              <span className="muted">{w.events.join(', ')}</span>
              <button type="button" className="small secondary" onClick={() => void action.run(() => http.request('POST', `/webhooks/${w.id}/ping`, PingResult)).then(() => setOpen(w.id))}>
                Send test
              </button>
              <button type="button" className="small secondary" aria-expanded={open === w.id} onClick={() => setOpen(open === w.id ? null : w.id)}>
                Delivery log
              </button>
              <button type="button" className="small secondary" onClick={() => void action.run(() => http.request('DELETE', `/webhooks/${w.id}`, Webhook)).then(reload)}>
                Delete
              </button>
            </div>
            {open === w.id ? <DeliveryLog webhookId={w.id} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Every attempt of a webhook's deliveries, refreshed every 2 s while shown. */
function DeliveryLog({ webhookId }: { webhookId: string }) {
  const http = useController().http;
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), 2_000);
    return () => clearInterval(timer);
  }, []);
  const { items, problem } = useList(async () => (await http.request('GET', `/webhooks/${webhookId}/deliveries?limit=50`, WebhookDeliveryList)).data, [tick]);
  return (
    <div>
      <Alert problem={problem} />
      <table className="table" data-testid="delivery-log">
        <caption className="visually-hidden">Delivery attempts</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">Attempt</th>
            <th scope="col">Status</th>
            <th scope="col">HTTP</th>
            <th scope="col">Latency</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {items?.map((d: WebhookDelivery) => (
            <tr key={d.id}>
              <td>{when(d.createdAt)}</td>
              <td>{d.eventType}</td>
              <td>{d.attempt}</td>
              <td>{d.status}</td>
              <td>{d.httpStatus ?? NO_VALUE}</td>
              <td>{d.latencyMs} ms</td>
              <td>{d.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SchedulesSection() {
  const http = useController().http;
  const { items, problem, reload } = useList(async () => (await http.request('GET', '/schedules', ScheduleList)).data, []);
  const action = useAction();
  const [cron, setCron] = useState('0 9 * * 1');
  const [timezone, setTimezone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [question, setQuestion] = useState('What did we spend last week, and what should we change?');
  const ids = { cron: useId(), tz: useId(), q: useId() };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => http.request('POST', '/schedules', Schedule, { cron, timezone, question }))) reload();
  };
  return (
    <section aria-labelledby="schedules-title" className="card">
      <h2 id="schedules-title">Scheduled reports</h2>
      <form className="row wrap" onSubmit={(e) => void submit(e)} data-testid="schedule-form">
        <label htmlFor={ids.cron}>Cron</label>
        <input id={ids.cron} value={cron} onChange={(e) => setCron(e.target.value)} required />
        <label htmlFor={ids.tz}>Time zone</label>
        <input id={ids.tz} value={timezone} onChange={(e) => setTimezone(e.target.value)} required />
        <label htmlFor={ids.q}>Question</label>
        <input id={ids.q} value={question} onChange={(e) => setQuestion(e.target.value)} required maxLength={2000} />
        <button type="submit" disabled={action.busy}>
          Add schedule
        </button>
      </form>
      <Alert problem={action.problem ?? problem} />
      <ul className="plain-list" data-testid="schedules">
        {items?.map((s) => (
          <li key={s.id} className="row wrap">
            <code>{s.cron}</code> <span>({s.timezone})</span> <span>{s.question}</span>
            <span className="muted">next {s.nextRunAt ? when(s.nextRunAt) : NO_VALUE}</span>
            <a href={`/threads/${s.threadId}`}>Reports</a>
            <button type="button" className="small secondary" onClick={() => void action.run(() => http.request('DELETE', `/schedules/${s.id}`, Schedule)).then(reload)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function RecommendationsSection() {
  const http = useController().http;
  const { items, problem, reload } = useList(async () => (await http.request('GET', '/recommendations', RecommendationList)).data, []);
  const action = useAction();
  return (
    <section aria-labelledby="recs-title" className="card">
      <h2 id="recs-title">Recommendations: predicted vs realized</h2>
      <Alert problem={action.problem ?? problem} />
      {items && items.length === 0 ? <p className="muted">Recommendations of your reports appear here; adopt one when the change is live.</p> : null}
      <ul className="plain-list" data-testid="recommendations">
        {items?.map((r) => (
          <li key={r.id}>
            <div className="row wrap">
              <strong>{r.title}</strong>
              <span className="muted">
                {[r.app, r.model].filter(Boolean).join(' / ')} · predicted {usd(r.estimatedMonthlySavingsUsd)}/month
              </span>
              {r.adoptedAt ? (
                <span className="badge">adopted {new Date(r.adoptedAt).toLocaleDateString()}</span>
              ) : (
                <button type="button" className="small secondary" onClick={() => void action.run(() => http.request('POST', `/recommendations/${r.id}/adopt`, StoredRecommendation, {})).then(reload)}>
                  Mark adopted
                </button>
              )}
            </div>
            {r.adoptedAt ? <Outcome id={r.id} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Outcome({ id }: { id: string }) {
  const http = useController().http;
  const { items, problem } = useList(async () => [await http.request('GET', `/recommendations/${id}/outcome`, RecommendationOutcome)], [id]);
  const o = items?.[0];
  if (problem) return <Alert problem={problem} />;
  if (!o) return null;
  return (
    <p data-testid="outcome">
      {o.verdict === 'insufficient_data'
        ? 'Not enough data since the adoption yet.'
        : `Realized ${usd(o.realizedMonthlySavingsUsd)}/month of the predicted ${usd(o.predictedMonthlySavingsUsd)} (${o.verdict}).`}
      {o.rollback ? ` Roll back: ${o.rollback}` : ''}
    </p>
  );
}

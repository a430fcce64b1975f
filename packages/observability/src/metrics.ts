import client from 'prom-client';

/**
 * The process's one Prometheus registry. Metric names are defined here, in one place, so that the apps,
 * the Grafana dashboard and the tests agree on them. Label values are bounded: never user or thread ids.
 */
export const registry = new client.Registry();
let defaultsCollected = false;

export function collectDefaultMetrics(service: string): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry, prefix: 'netra_' });
}

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

function counter<L extends string>(name: string, help: string, labelNames: readonly L[]) {
  return new client.Counter<L>({ name, help, labelNames, registers: [registry] });
}
/** One label set's count since the last scrape, as a plain number: the caller keeps it and increments `n`. */
export interface Tally {
  n: number;
}

export type TalliedCounter<L extends string> = client.Counter<L> & {
  /** The tally of `labels` (one per label set, kept for the process's life: label values must be few). */
  tally(labels: Partial<Record<L, string>>): Tally;
};

/**
 * A counter for a path hot enough that prom-client's own increment shows: `inc({…})`, and a `labels()` child's
 * `inc()` alike, hashes and validates the label set on every call (a WebSocket `ping` counts two frames). Counts
 * go to plain numbers and are added to the counter when it is collected (a scrape, or `get()`), so a scrape reads
 * exactly what was counted until then.
 */
function talliedCounter<L extends string>(name: string, help: string, labelNames: readonly L[]): TalliedCounter<L> {
  const tallies = new Map<string, { labels: Partial<Record<L, string>>; tally: Tally }>();
  const counter = new client.Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const { labels, tally } of tallies.values()) {
        if (tally.n === 0) continue;
        this.inc(labels, tally.n);
        tally.n = 0;
      }
    },
  });
  return Object.assign(counter, {
    tally(labels: Partial<Record<L, string>>): Tally {
      const key = labelNames.map((label) => labels[label] ?? '').join('\u0000');
      let entry = tallies.get(key);
      if (!entry) {
        entry = { labels: { ...labels }, tally: { n: 0 } };
        tallies.set(key, entry);
      }
      return entry.tally;
    },
  });
}
function gauge<L extends string>(name: string, help: string, labelNames: readonly L[]) {
  return new client.Gauge<L>({ name, help, labelNames, registers: [registry] });
}
function histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets = latencyBuckets) {
  return new client.Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
}

export const metrics = {
  httpRequestDuration: histogram('netra_http_request_duration_seconds', 'HTTP request duration by route template', [
    'method',
    'route',
    'status',
  ] as const),
  wsConnections: gauge('netra_ws_connections', 'Open WebSocket connections', [] as const),
  wsFrames: talliedCounter('netra_ws_frames_total', 'WebSocket frames by direction and type', ['direction', 'type'] as const),
  messagesAccepted: counter('netra_messages_accepted_total', 'User messages accepted (runs created)', ['transport'] as const),
  messagesRejected: counter('netra_messages_rejected_total', 'User messages rejected, by error code', ['code'] as const),
  wsSlowConsumers: counter('netra_ws_slow_consumers_total', 'Sockets closed (4008) for holding too many unsent bytes', [] as const),
  wsHeartbeatBatch: histogram('netra_ws_heartbeat_batch_sockets', 'Sockets pinged per heartbeat tick (the wheel spreads them over the interval)', [] as const, [1, 10, 50, 100, 250, 500, 1000, 5000, 20000]),
  eventsDelivered: counter('netra_events_delivered_total', 'Run events written to client sockets', [] as const),
  queueDepth: gauge('netra_queue_jobs', 'Jobs in the agent-runs queue by state (sampled)', ['state'] as const),
  queueWait: histogram('netra_queue_wait_seconds', 'Time from acceptance to a worker starting the run', [] as const),
  jobDuration: histogram('netra_job_duration_seconds', 'Run processing time by outcome', ['outcome'] as const),
  agentDuration: histogram('netra_agent_duration_seconds', 'Sub-agent duration by agent and outcome', [
    'agent',
    'outcome',
  ] as const),
  runsFinished: counter('netra_runs_finished_total', 'Runs that reached a terminal state', ['status'] as const),
  runsWaitingForDatabase: gauge('netra_runs_waiting_for_database', 'Runs of this worker holding their job while PostgreSQL is unavailable', [] as const),
  // LLM layer. `model` values come from the configured chain (LLM_MODELS) plus `local`: bounded.
  llmCalls: counter('netra_llm_calls_total', 'LLM provider attempts by outcome (ok, error, timeout, aborted, breaker_open, cached)', [
    'provider',
    'model',
    'outcome',
  ] as const),
  llmCallDuration: histogram('netra_llm_call_duration_seconds', 'LLM provider attempt latency by outcome', ['provider', 'model', 'outcome'] as const),
  llmTokens: counter('netra_llm_tokens_total', 'Tokens used by Netra\'s own LLM calls', ['provider', 'model', 'kind'] as const),
  llmCostUsd: counter('netra_llm_cost_usd_total', 'Cost of Netra\'s own LLM calls, priced from the model catalog', ['provider', 'model'] as const),
  llmCache: counter('netra_llm_cache_total', 'LLM response cache lookups (hit, miss, error)', ['result'] as const),
  llmBreakerState: gauge('netra_llm_breaker_state', 'Circuit breaker per provider+model: 0 closed, 1 half-open, 2 open', ['provider', 'model'] as const),
  llmBreakerTransitions: counter('netra_llm_breaker_transitions_total', 'Circuit breaker state changes per provider+model, by the state entered (open, half_open, closed)', [
    'provider',
    'model',
    'to',
  ] as const),
  llmRetries: counter('netra_llm_retries_total', 'LLM attempts retried after a retryable failure', ['provider', 'model'] as const),
  llmFallbacks: counter('netra_llm_fallbacks_total', 'Calls that moved on from a model to the next in the chain', ['provider', 'model'] as const),
  // Operations (issue 6). Workers seen by the queue, sampled with the queue depth.
  queueWorkers: gauge('netra_queue_workers', 'Worker processes connected to the agent-runs queue (sampled)', [] as const),
  adminActions: counter('netra_admin_actions_total', 'Admin actions (Bull Board and /api/v1/admin), by action', ['action'] as const),
  // Security: the same definitions as the security work (issue 5) uses, so both branches agree on the names.
  // `kind` and `limiter` are fixed enumerations in the gateway's code, never request data.
  securityEvents: counter('netra_security_events_total', 'Security events (auth failures, rate-limit hits, forbidden, cross-tenant, admin actions) by kind', ['kind'] as const),
  rateLimitRejections: counter('netra_rate_limit_rejections_total', 'Requests, frames and upgrades refused by a rate limit, by limiter', ['limiter'] as const),
  // Watching (issue 15). `status` and `kind` are fixed enumerations of @netra/contracts, never request data.
  webhookDeliveries: counter('netra_webhook_deliveries_total', 'Webhook delivery attempts by outcome (succeeded, failed, dead_lettered)', ['status'] as const),
  webhookDeliveryDuration: histogram('netra_webhook_delivery_duration_seconds', 'Time of one webhook delivery attempt, by outcome', ['status'] as const),
  alertsRaised: counter('netra_alerts_raised_total', 'Alerts raised (each once), by kind', ['kind'] as const),
};

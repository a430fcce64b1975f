import { querySql, sql, type Db } from '@netra/db';
import { duration } from '../format.js';
import { dayRange, filterParams, readHistogram, LatencyHistogram, type Breakdown, type UsageFilter, type Window } from '@netra/usage';

/** Where a workload's tail latency comes from, read off its own distributions. */
export type LatencyCause = 'generation_length' | 'time_to_first_token' | 'prompt_size' | 'unknown';

export interface LatencyProfile {
  app: string;
  /** Null: the app's models together. */
  model: string | null;
  requests: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
  p99LatencyMs: number;
  /** Share of requests that recorded a time to first token (streamed); TTFT figures are over those. */
  streamedShare: number;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  completionTokensP50: number;
  completionTokensP90: number;
  completionTokensP95: number;
  promptTokensP50: number;
  promptTokensP95: number;
  /** Generation time per output token at the median: (p50 latency − p50 TTFT) / p50 completion tokens. */
  generationMsPerToken: number | null;
  /** Of the p95 latency, the part before the first token (0..1); null without TTFT data. */
  ttftShareOfP95: number | null;
  cause: LatencyCause;
  /** The cause in one sentence, with its numbers. */
  explanation: string;
}

interface DistRow extends Record<string, unknown> {
  app: string;
  model: string;
  streamed: number;
  ttft_hist: unknown;
  completion_tokens_hist: unknown;
  prompt_tokens_hist: unknown;
}

class Dists {
  readonly ttft = new LatencyHistogram();
  readonly completion = new LatencyHistogram();
  readonly prompt = new LatencyHistogram();
  streamed = 0;

  add(r: DistRow): void {
    this.streamed += r.streamed;
    this.ttft.addStored(readHistogram(r.ttft_hist));
    this.completion.addStored(readHistogram(r.completion_tokens_hist));
    this.prompt.addStored(readHistogram(r.prompt_tokens_hist));
  }
}

/**
 * Latency decomposed per app and per workload (app × model): p50/p95/p99 from the latency histograms, TTFT and
 * token distributions from theirs (`usage_rollups`, whole UTC days), and the cause of the tail named from the data:
 * a p95 made mostly of generation after the first token, with long outputs, is `generation_length`; one made mostly
 * of waiting for the first token is `time_to_first_token` — or `prompt_size` when prompts are long (p95 ≥ 4,000
 * tokens). Without TTFT data (nothing streamed) the split cannot be made and the cause is `unknown`.
 */
export async function latencyProfiles(db: Db, userId: string, window: Window, metrics: Breakdown, filter?: UsageFilter): Promise<LatencyProfile[]> {
  const { fromDay, toDay } = dayRange(window);
  const f = filterParams(filter);
  const rows = await querySql<DistRow>(
    db,
    sql('usage_distributions_read')`
      SELECT app, model, streamed, ttft_hist, completion_tokens_hist, prompt_tokens_hist
        FROM usage_rollups
       WHERE user_id = ${userId}::uuid AND day >= ${fromDay}::date AND day < ${toDay}::date
         AND (${f.apps}::text[] IS NULL OR app = ANY(${f.apps}::text[]))
         AND (${f.models}::text[] IS NULL OR model = ANY(${f.models}::text[]))
         AND app <> ALL(${f.excludeApps}::text[])`,
  );
  const byWorkload = new Map<string, Dists>();
  const byApp = new Map<string, Dists>();
  for (const r of rows) {
    const w = byWorkload.get(`${r.app}\u0000${r.model}`) ?? new Dists();
    w.add(r);
    byWorkload.set(`${r.app}\u0000${r.model}`, w);
    const a = byApp.get(r.app) ?? new Dists();
    a.add(r);
    byApp.set(r.app, a);
  }
  const out: LatencyProfile[] = [];
  for (const [app, a] of metrics.byApp) {
    const d = byApp.get(app);
    if (d) out.push(profile(app, null, a.stats(), d));
    for (const [model, w] of metrics.byWorkload.get(app) ?? []) {
      const dw = byWorkload.get(`${app}\u0000${model}`);
      if (dw) out.push(profile(app, model, w.stats(), dw));
    }
  }
  return out.sort((x, y) => y.p95LatencyMs - x.p95LatencyMs || x.app.localeCompare(y.app));
}

export function profile(app: string, model: string | null, s: { requests: number; p50LatencyMs: number; p95LatencyMs: number; p99LatencyMs: number }, d: Dists): LatencyProfile {
  const [ttft50, ttft95] = d.ttft.total > 0 ? d.ttft.quantiles([0.5, 0.95]) : [null, null];
  const [c50 = 0, c90 = 0, c95 = 0] = d.completion.quantiles([0.5, 0.9, 0.95]);
  const [p50 = 0, p95 = 0] = d.prompt.quantiles([0.5, 0.95]);
  const generationMsPerToken = ttft50 !== null && ttft50 !== undefined && c50 > 0 ? Math.max(0, s.p50LatencyMs - ttft50) / c50 : null;
  const ttftShare = ttft95 !== null && ttft95 !== undefined && s.p95LatencyMs > 0 ? Math.min(1, ttft95 / s.p95LatencyMs) : null;
  let cause: LatencyCause = 'unknown';
  let explanation: string;
  const who = model === null ? app : `${app} on ${model}`;
  if (ttftShare === null) {
    explanation = `${who}: p95 ${duration(s.p95LatencyMs)}; no time-to-first-token recorded (not streamed), so waiting and generation cannot be told apart. Completion tokens p95 ${Math.round(c95)}.`;
  } else if (ttftShare < 0.35) {
    cause = 'generation_length';
    explanation = `${who}: p95 ${duration(s.p95LatencyMs)}, of which the first token takes ${duration(ttft95 ?? 0)} (${Math.round(ttftShare * 100)} %): the rest is generating up to ${Math.round(c95)} output tokens (p95) at ≈ ${generationMsPerToken === null ? '?' : generationMsPerToken.toFixed(1)} ms per token. The tail is output length, not the model's responsiveness.`;
  } else {
    cause = p95 >= 4_000 ? 'prompt_size' : 'time_to_first_token';
    explanation =
      cause === 'prompt_size'
        ? `${who}: p95 ${duration(s.p95LatencyMs)}, ${Math.round(ttftShare * 100)} % of it before the first token, with prompts of ${Math.round(p95).toLocaleString('en-US')} tokens at p95: the prompt's size drives the wait.`
        : `${who}: p95 ${duration(s.p95LatencyMs)}, ${Math.round(ttftShare * 100)} % of it before the first token (TTFT p95 ${duration(ttft95 ?? 0)}) with short prompts: the model or provider is slow to start.`;
  }
  return {
    app,
    model,
    requests: s.requests,
    p50LatencyMs: s.p50LatencyMs,
    p95LatencyMs: s.p95LatencyMs,
    p99LatencyMs: s.p99LatencyMs,
    streamedShare: s.requests === 0 ? 0 : d.streamed / s.requests,
    ttftP50Ms: ttft50 ?? null,
    ttftP95Ms: ttft95 ?? null,
    completionTokensP50: c50,
    completionTokensP90: c90,
    completionTokensP95: c95,
    promptTokensP50: p50,
    promptTokensP95: p95,
    generationMsPerToken,
    ttftShareOfP95: ttftShare,
    cause,
    explanation,
  };
}

export { Dists as LatencyDistributions };

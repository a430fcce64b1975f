import { createHash } from 'node:crypto';
import type { UsageEventInput } from '@netra/contracts';

/**
 * A deterministic, realistic LLM workload for demos and tests. The events of calendar day D are a pure function of
 * (seed, D, requestsPerDay): generating again (or on a later day, with overlapping days) yields the same ids, so
 * the ingestion dedupes them. Events carry no cost: like most real clients, they let the catalog price them.
 *
 * What is in it: five apps with different workloads (chat with a FAQ-heavy prompt mix, RAG with long contexts,
 * tool-using agents, a nightly batch job, autocomplete); log-normal latencies with a Pareto tail; ~1.5% errors;
 * weekday/weekend seasonality; and about one anomalous day in twelve (a runaway agent loop tripling traffic, a
 * provider error storm, or a latency incident on one model).
 */
export interface SyntheticOptions {
  days: number;
  requestsPerDay: number;
  seed: number;
  /** Days end before the UTC day containing `now` (so every event is in the past). */
  now: Date;
}

const DAY_MS = 86_400_000;

type Workload = 'chat' | 'rag' | 'tool_use' | 'batch' | 'autocomplete';

interface AppProfile {
  app: string;
  workload: Workload;
  weight: number;
  models: [model: string, weight: number][];
  promptMedian: number;
  completionMedian: number;
  /** Share of requests that repeat a prompt from a pool of `pool` (Zipf-like popularity). */
  reuse: number;
  pool: number;
  /** Latency = base + perToken · completion tokens, log-normal around that. */
  baseMs: number;
  perTokenMs: number;
  /** Hours (UTC) the traffic falls in, with weights; undefined = business-hours curve. */
  hours?: [hour: number, weight: number][];
  streaming: boolean;
}

export const SYNTHETIC_APPS: readonly AppProfile[] = [
  {
    app: 'support-chat', workload: 'chat', weight: 0.35, models: [['gpt-4o', 0.7], ['gpt-4o-mini', 0.3]],
    promptMedian: 900, completionMedian: 250, reuse: 0.35, pool: 300, baseMs: 350, perTokenMs: 9, streaming: true,
  },
  {
    app: 'docs-rag', workload: 'rag', weight: 0.25, models: [['claude-sonnet-4-5', 0.8], ['gpt-4.1-mini', 0.2]],
    promptMedian: 3_500, completionMedian: 300, reuse: 0.12, pool: 2_000, baseMs: 600, perTokenMs: 11, streaming: true,
  },
  {
    app: 'agent-tools', workload: 'tool_use', weight: 0.2, models: [['gpt-4.1', 0.85], ['o4-mini', 0.15]],
    promptMedian: 2_200, completionMedian: 120, reuse: 0.05, pool: 5_000, baseMs: 700, perTokenMs: 12, streaming: false,
  },
  {
    app: 'nightly-batch', workload: 'batch', weight: 0.12, models: [['gpt-4o', 1]],
    promptMedian: 1_500, completionMedian: 600, reuse: 0.02, pool: 10_000, baseMs: 400, perTokenMs: 10, streaming: false,
    hours: [[1, 0.3], [2, 0.4], [3, 0.3]],
  },
  {
    app: 'autocomplete', workload: 'autocomplete', weight: 0.08, models: [['gpt-4o-mini', 1]],
    promptMedian: 300, completionMedian: 40, reuse: 0.2, pool: 1_000, baseMs: 180, perTokenMs: 6, streaming: true,
  },
];

/** Business-hours traffic curve (UTC), weights per hour. */
const BUSINESS_HOURS: [number, number][] = Array.from({ length: 24 }, (_, h) => [h, h >= 8 && h < 18 ? 3 : h >= 6 && h < 22 ? 1.5 : 0.5]);

export type AnomalyKind = 'traffic_spike' | 'error_storm' | 'latency_spike';

/** mulberry32: small, fast, good enough for synthetic data (and for tests that generate their own). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash32(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0);
}

function pick<T>(random: () => number, items: readonly [T, number][]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = random() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return (items[items.length - 1] as [T, number])[0];
}

function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function logNormal(random: () => number, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(random));
}

/** The anomaly (if any) of a calendar day, and which app or model it hits. */
export function anomalyOf(seed: number, day: string): { kind: AnomalyKind; target: string } | null {
  const random = seededRandom(hash32(`${seed}:anomaly:${day}`));
  if (random() >= 1 / 12) return null;
  const kind = pick<AnomalyKind>(random, [['traffic_spike', 1], ['error_storm', 1], ['latency_spike', 1]]);
  if (kind === 'traffic_spike') return { kind, target: 'agent-tools' };
  return { kind, target: pick(random, [['gpt-4o', 1], ['claude-sonnet-4-5', 1], ['gpt-4.1', 1]]) };
}

/** The window the generated events fall in: `days` whole UTC days ending where the day of `now` begins. */
export function syntheticWindow(options: Pick<SyntheticOptions, 'days' | 'now'>): { from: string; to: string } {
  const to = Math.floor(options.now.getTime() / DAY_MS) * DAY_MS;
  return { from: new Date(to - options.days * DAY_MS).toISOString(), to: new Date(to).toISOString() };
}

export function promptHashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The events, day by day, generated lazily (constant memory whatever the size). */
export function* syntheticEvents(options: SyntheticOptions): Generator<UsageEventInput> {
  const window = syntheticWindow(options);
  const start = Date.parse(window.from);
  const apps = SYNTHETIC_APPS.map((a) => [a, a.weight] as [AppProfile, number]);
  for (let d = 0; d < options.days; d++) {
    const dayStart = start + d * DAY_MS;
    const day = new Date(dayStart).toISOString().slice(0, 10);
    const random = seededRandom(hash32(`${options.seed}:day:${day}`));
    const weekday = new Date(dayStart).getUTCDay();
    const anomaly = anomalyOf(options.seed, day);
    const base = Math.round(options.requestsPerDay * (weekday === 0 || weekday === 6 ? 0.6 : 1.16));
    const extra = anomaly?.kind === 'traffic_spike' ? Math.round(base * 2) : 0;
    const count = base + extra;
    const compact = day.replace(/-/g, '');
    for (let n = 0; n < count; n++) {
      // The spike's extra requests all come from the runaway app.
      const profile = n >= base && anomaly ? (SYNTHETIC_APPS.find((a) => a.app === anomaly.target) ?? SYNTHETIC_APPS[0]!) : pick(random, apps);
      const model = pick(random, profile.models);
      const hour = pick(random, profile.hours ?? BUSINESS_HOURS);
      const ts = dayStart + hour * 3_600_000 + Math.floor(random() * 3_600_000);
      const reused = random() < profile.reuse;
      const promptKey = reused
        ? `${profile.app}:prompt:${Math.floor(Math.exp(random() * Math.log(profile.pool))) - 1}`
        : `${options.seed}:${day}:${n}`;
      const promptTokens = Math.max(1, Math.round(logNormal(random, profile.promptMedian, 0.5)));
      let completionTokens = Math.max(1, Math.round(logNormal(random, profile.completionMedian, 0.6)));
      let latencyMs = logNormal(random, profile.baseMs + profile.perTokenMs * completionTokens, 0.35);
      // Heavy tail: a few requests queue behind provider load (Pareto, α = 1.5).
      if (random() < 0.03) latencyMs *= Math.pow(1 - random(), -1 / 1.5);
      if (anomaly?.kind === 'latency_spike' && anomaly.target === model) latencyMs *= 4;
      const errorRate = anomaly?.kind === 'error_storm' && anomaly.target === model ? 0.3 : 0.015;
      const failed = random() < errorRate;
      if (failed) {
        completionTokens = 0;
        latencyMs = random() < 0.3 ? 30_000 : logNormal(random, 250, 0.4);
      }
      latencyMs = Math.min(Math.round(latencyMs), 600_000);
      const ttftMs = profile.streaming && !failed ? Math.round(Math.min(latencyMs, logNormal(random, profile.baseMs, 0.3))) : undefined;
      yield {
        id: `syn-${options.seed}-${compact}-${n}`,
        timestamp: new Date(ts).toISOString(),
        app: profile.app,
        model,
        promptTokens,
        completionTokens,
        latencyMs,
        ...(ttftMs === undefined ? {} : { ttftMs }),
        status: failed ? 'error' : 'ok',
        promptHash: promptHashOf(promptKey),
        metadata: { workload: profile.workload, synthetic: true },
      };
    }
  }
}

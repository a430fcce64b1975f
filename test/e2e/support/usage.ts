import { createHash } from 'node:crypto';
import type { Db } from '@netra/db';
import type { Api } from '../../support/clients.js';

export interface SeedOptions {
  /** Days back from now that the events cover (they all lie inside "the last 7 days"). */
  days?: number;
  perDay?: number;
  now?: Date;
}

const MODELS = [
  { model: 'gpt-4o', provider: 'openai', inPrice: 2.5, outPrice: 10, latency: 1800 },
  { model: 'gpt-4o-mini', provider: 'openai', inPrice: 0.15, outPrice: 0.6, latency: 700 },
  { model: 'claude-3-5-sonnet', provider: 'anthropic', inPrice: 3, outPrice: 15, latency: 2200 },
];
const APPS = ['support-bot', 'rag-search', 'summarizer'];

/**
 * A small, deterministic workload for a user, sent through `POST /api/v1/usage-events` as a client would. Returns how
 * many events were stored.
 */
export async function seedUsage(api: Api, userId: string, options: SeedOptions = {}): Promise<number> {
  const rows = usageRows(userId, options);
  const events = rows.map((r) => ({
    id: r.eventId,
    timestamp: r.ts.toISOString(),
    app: r.app,
    model: r.model,
    provider: r.provider,
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    latencyMs: r.latencyMs,
    status: r.status,
    costUsd: r.costUsd,
    promptHash: r.promptHash,
  }));
  const res = await api.post<{ accepted: number }>('/api/v1/usage-events', { events });
  if (res.status !== 200) throw new Error(`POST /api/v1/usage-events answered ${res.status}: ${JSON.stringify(res.body)}`);
  if (res.body.accepted !== rows.length) throw new Error(`usage-events accepted ${res.body.accepted} of ${rows.length}: ${JSON.stringify(res.body)}`);
  return rows.length;
}

function usageRows(userId: string, options: SeedOptions) {
  const days = options.days ?? 5;
  const perDay = options.perDay ?? 40;
  const now = (options.now ?? new Date()).getTime();
  const rows = [];
  for (let d = 0; d < days; d += 1) {
    for (let i = 0; i < perDay; i += 1) {
      const m = MODELS[(d + i) % MODELS.length] as (typeof MODELS)[number];
      const promptTokens = 400 + ((i * 37) % 900);
      const completionTokens = 80 + ((i * 53) % 300);
      const costUsd = (promptTokens * m.inPrice + completionTokens * m.outPrice) / 1_000_000;
      rows.push({
        userId,
        eventId: `seed-${d}-${i}`,
        // Spread over each day, always at least an hour before now.
        ts: new Date(now - 3_600_000 - d * 86_400_000 - i * 60_000),
        app: APPS[i % APPS.length] as string,
        model: m.model,
        provider: m.provider,
        promptTokens,
        completionTokens,
        latencyMs: m.latency + ((i * 97) % 900),
        status: i % 25 === 0 ? ('error' as const) : ('ok' as const),
        costUsd,
        // A few prompts repeat, so caching has something to find.
        promptHash: createHash('sha256').update(`prompt-${i % 12}`).digest('hex'),
      });
    }
  }
  return rows;
}

/** Requests and cost of a user's events in a window, straight from SQL: what the report must agree with. */
export async function usageTotals(db: Db, userId: string, from: string, to: string): Promise<{ requests: number; costUsd: number }> {
  const rows = await db.$queryRaw<{ requests: number; cost: number | null }[]>`
    SELECT count(*)::int AS requests, sum(cost_usd)::float8 AS cost
      FROM usage_events WHERE user_id = ${userId}::uuid AND ts >= ${new Date(from)} AND ts < ${new Date(to)}`;
  return { requests: rows[0]?.requests ?? 0, costUsd: rows[0]?.cost ?? 0 };
}

import type { ModelCatalogEntry, Recommendation } from '@netra/contracts';
import { CatalogService, canonicalModel, costOf } from '@netra/usage';
import { OptimizationOutput, type DataOutput } from '../schemas.js';
import { BATCH_DISCOUNT, batchingPotential } from '../tools/batching.js';
import { growthWhatIf, peakLoad } from '../tools/growth.js';
import { perMonth } from '../tools/metrics.js';
import { simulateRouting, type RoutingOption } from '../tools/routing.js';
import { combinedSavings } from '../tools/combine.js';
import { upstream, type Agent } from '../types.js';
import { usd, pct } from '../format.js';

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Share of prompt tokens a prompt-trimming pass is assumed to remove (stated in the recommendation). */
export const TRIM_SHARE = 0.2;
/** Apps whose average prompt is at least this long are trimming candidates. */
const TRIM_MIN_PROMPT = 2_000;

function routingRecommendation(o: RoutingOption, perMonthUsd: (usd: number) => number): Recommendation {
  const latencyImpactPct =
    o.latencyFromMs && o.latencyToMs !== null ? Math.round(((o.latencyToMs - o.latencyFromMs) / o.latencyFromMs) * 100) : undefined;
  const drop = o.qualityFrom - o.qualityTo;
  return {
    title: `Route ${o.app} from ${o.fromModel} to ${o.toModel}`,
    strategy: 'model_routing',
    app: o.app,
    estimatedMonthlySavingsUsd: round2(perMonthUsd(o.savingsUsd)),
    ...(latencyImpactPct === undefined ? {} : { latencyImpactPct }),
    qualityRisk: drop <= 0 ? 'none' : drop <= 3 ? 'low' : drop <= 8 ? 'medium' : 'high',
    rationale: `${o.requests.toLocaleString('en-US')} ${o.app} requests on ${o.fromModel} cost ${usd(o.currentCostUsd)} in the window; the same tokens on ${o.toModel} (${o.toProvider}) cost ${usd(o.projectedCostUsd)} at catalog prices. Quality ${o.qualityTo} vs ${o.qualityFrom} (floor ${o.qualityFloor})${o.latencyCeilingMs === null ? '' : `, typical latency ${o.latencyToMs ?? '?'} ms under the ${Math.round(o.latencyCeilingMs)} ms ceiling`}.`,
    steps: [
      `Shadow-test ${o.toModel} on a sample of ${o.app} prompts and score it against ${o.fromModel}`,
      `Add a routing rule app=${o.app} → ${o.toModel}, first for 10% of traffic`,
      'Ramp to 100% when quality and p95 latency hold',
    ],
  };
}

/**
 * Computes the strategies with numbers — model routing against the catalog, caching of repeated prompts,
 * batching, prompt trimming, and (when asked) a growth what-if — and ranks them by projected monthly savings.
 */
export const optimizationAgent: Agent<'optimization'> = {
  name: 'optimization',
  output: OptimizationOutput,
  input: (ctx) => ({ requests: upstream(ctx, 'optimization', 'data').totals.requests, constraints: upstream(ctx, 'optimization', 'triage').constraints }),
  async run(ctx) {
    const triage = upstream(ctx, 'optimization', 'triage');
    const data = upstream(ctx, 'optimization', 'data');
    const perMonthUsd = (x: number) => perMonth(x, data.observedDays);
    const monthlyCostUsd = round2(perMonthUsd(data.totals.costUsd));
    if (!data.dataAvailable) {
      return {
        output: { monthlyCostUsd: 0, combinedMonthlySavingsUsd: 0, recommendations: [], routing: [], batching: [] },
        summary: 'No data to optimize yet',
      };
    }
    const range = { from: new Date(data.window.from), to: new Date(data.window.to) };
    const [catalog, batching, peaks] = await Promise.all([
      new CatalogService(ctx.db).snapshot(),
      batchingPotential(ctx.db, ctx.userId, range),
      triage.growthPct === undefined ? Promise.resolve([]) : peakLoad(ctx.db, ctx.userId, range),
    ]);
    ctx.signal.throwIfAborted();

    const routing = simulateRouting(data.workloads, catalog, {
      ...(triage.constraints.minQuality === undefined ? {} : { minQuality: triage.constraints.minQuality }),
      ...(triage.constraints.maxLatencyMs === undefined ? {} : { maxLatencyMs: triage.constraints.maxLatencyMs }),
    });
    const recommendations: Recommendation[] = routing.map((o) => routingRecommendation(o, perMonthUsd));
    recommendations.push(...cachingRecommendations(data, perMonthUsd));
    for (const b of batching.filter((x) => x.eligible && x.savingsUsd > 0)) {
      recommendations.push({
        title: `Send ${b.app} through a batch API`,
        strategy: 'batching',
        app: b.app,
        estimatedMonthlySavingsUsd: round2(perMonthUsd(b.savingsUsd)),
        qualityRisk: 'none',
        rationale: `${b.app} is scheduled work (${pct(b.peakHoursShare)} of its ${b.requests.toLocaleString('en-US')} requests in three hours of the day${b.taggedBatchShare > 0 ? `, ${pct(b.taggedBatchShare)} tagged batch` : ''}); asynchronous batch APIs cost ${BATCH_DISCOUNT * 100}% less and answer within 24 h.`,
        steps: [`Collect ${b.app}'s requests into JSONL batch files`, 'Submit them to the provider\'s batch endpoint and poll for results', 'Keep the synchronous path as a fallback for urgent items'],
      });
    }
    recommendations.push(...trimmingRecommendations(data, catalog, perMonthUsd));

    let growth: OptimizationOutput['growth'];
    if (triage.growthPct !== undefined) {
      growth = growthWhatIf(triage.growthPct, monthlyCostUsd, peaks, triage.constraints.rateLimitRpm);
      for (const m of growth.byModel.filter((x) => x.rpmHeadroomPct !== null && x.rpmHeadroomPct < 20)) {
        recommendations.push({
          title: `Raise the rate limit for ${m.model} before traffic grows`,
          strategy: 'capacity',
          estimatedMonthlySavingsUsd: 0,
          qualityRisk: 'none',
          rationale: `At +${triage.growthPct}% the busiest minute reaches ${m.projectedPeakRpm} requests, leaving ${(m.rpmHeadroomPct ?? 0).toFixed(0)}% of the ${triage.constraints.rateLimitRpm} RPM limit.`,
          steps: ['Ask the provider for a higher tier', 'Spread scheduled jobs over more of the day', 'Add a second model to the fallback chain for overflow'],
        });
      }
    }

    recommendations.sort((a, b) => b.estimatedMonthlySavingsUsd - a.estimatedMonthlySavingsUsd || a.title.localeCompare(b.title));
    const costByApp = new Map(data.byApp.map((a) => [a.app, perMonthUsd(a.costUsd)]));
    const combinedMonthlySavingsUsd = Math.min(monthlyCostUsd, combinedSavings(recommendations, costByApp));
    const output: OptimizationOutput = {
      monthlyCostUsd,
      combinedMonthlySavingsUsd,
      recommendations,
      routing,
      batching,
      ...(growth ? { growth } : {}),
    };
    const best = recommendations[0];
    const summary = best
      ? `${recommendations.length} strategies; best: ${best.title} (≈ ${usd(best.estimatedMonthlySavingsUsd)}/month)`
      : 'No savings strategy applies to this data';
    return { output, summary };
  },
};

/** One caching recommendation per app whose repeated prompts are worth a cache. */
function cachingRecommendations(data: DataOutput, perMonthUsd: (x: number) => number): Recommendation[] {
  const byApp = new Map<string, { requests: number; repeats: number; cost: number }>();
  for (const w of data.cacheByWorkload) {
    const a = byApp.get(w.app) ?? { requests: 0, repeats: 0, cost: 0 };
    a.requests += w.requests;
    a.repeats += w.repeats;
    a.cost += w.repeatCostUsd;
    byApp.set(w.app, a);
  }
  const out: Recommendation[] = [];
  for (const [app, a] of byApp) {
    const share = a.requests === 0 ? 0 : a.repeats / a.requests;
    if (share < 0.02 || a.cost <= 0) continue;
    out.push({
      title: `Cache repeated prompts of ${app}`,
      strategy: 'caching',
      app,
      estimatedMonthlySavingsUsd: round2(perMonthUsd(a.cost)),
      latencyImpactPct: -Math.round(share * 100),
      qualityRisk: 'low',
      rationale: `${pct(share)} of ${app}'s requests (${a.repeats.toLocaleString('en-US')}) repeat an earlier prompt exactly; they cost ${usd(a.cost)} in the window. A cache hit costs nothing and answers in milliseconds.`,
      steps: [`Key a response cache on sha256(model + normalised prompt) in front of ${app}'s LLM calls`, 'Serve hits with a TTL matched to how fast the answers go stale', 'Bypass the cache for prompts with user-specific context'],
    });
  }
  return out;
}

/** Apps with long prompts: the cost of TRIM_SHARE of their prompt tokens, priced from the catalog. */
function trimmingRecommendations(data: DataOutput, catalog: readonly ModelCatalogEntry[], perMonthUsd: (x: number) => number): Recommendation[] {
  const prices = new Map(catalog.map((m) => [canonicalModel(m.model), m]));
  const byApp = new Map<string, { requests: number; promptTokens: number; trimmable: number }>();
  for (const w of data.workloads) {
    const price = prices.get(canonicalModel(w.model));
    const a = byApp.get(w.app) ?? { requests: 0, promptTokens: 0, trimmable: 0 };
    a.requests += w.requests;
    a.promptTokens += w.promptTokens;
    if (price) a.trimmable += costOf(price, w.promptTokens * TRIM_SHARE, 0);
    byApp.set(w.app, a);
  }
  const out: Recommendation[] = [];
  for (const [app, a] of byApp) {
    const avg = a.requests === 0 ? 0 : a.promptTokens / a.requests;
    if (avg < TRIM_MIN_PROMPT || a.trimmable <= 0) continue;
    out.push({
      title: `Trim ${app}'s prompts`,
      strategy: 'prompt_trimming',
      app,
      estimatedMonthlySavingsUsd: round2(perMonthUsd(a.trimmable)),
      qualityRisk: 'medium',
      rationale: `${app}'s prompts average ${Math.round(avg).toLocaleString('en-US')} tokens. Removing ${TRIM_SHARE * 100}% of them (fewer or shorter retrieved chunks, deduplicated instructions) saves ${usd(a.trimmable)} in the window at catalog input prices; the ${TRIM_SHARE * 100}% is an assumption to validate.`,
      steps: ['Measure which prompt sections the answers actually use', `Cut retrieved context and boilerplate by ${TRIM_SHARE * 100}%`, 'Compare answer quality on a held-out sample before rollout'],
    });
  }
  return out;
}

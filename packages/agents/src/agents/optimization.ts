import type { ModelCatalogEntry, Recommendation } from '@netra/contracts';
import { CatalogService, canonicalModel, costOf } from '@netra/usage';
import { OptimizationOutput, type DataOutput } from '../schemas.js';
import { BATCH_DISCOUNT, batchingPotential } from '../tools/batching.js';
import { growthWhatIf, peakLoad } from '../tools/growth.js';
import { perMonth } from '../tools/metrics.js';
import { simulateRouting, type RoutingOption } from '../tools/routing.js';
import { combinedSavings } from '../tools/combine.js';
import { callTool, upstream, type Agent } from '../types.js';
import { filterOf } from '../scope.js';
import { duration, pct, round, usd } from '../format.js';


/** Share of prompt tokens a prompt-trimming pass is assumed to remove (stated in the recommendation). */
export const TRIM_SHARE = 0.2;
/** Apps whose average prompt is at least this long are trimming candidates. */
const TRIM_MIN_PROMPT = 2_000;

function routingRecommendation(o: RoutingOption, perMonthUsd: (usd: number) => number, fromProvider: string | null): Recommendation {
  const drop = o.qualityFrom - o.qualityTo;
  // One global catalog score says little about this app's prompts on another provider's model: no evidence, no "none".
  const crossProvider = fromProvider !== null && fromProvider !== o.toProvider;
  return {
    title: `Route ${o.app} from ${o.fromModel} to ${o.toModel}`,
    strategy: 'model_routing',
    app: o.app,
    model: o.fromModel,
    estimatedMonthlySavingsUsd: round(perMonthUsd(o.savingsUsd)),
    qualityRisk: crossProvider ? 'unverified' : drop <= 0 ? 'none' : drop <= 3 ? 'low' : drop <= 8 ? 'medium' : 'high',
    assumptions: [
      `The same prompt and completion tokens on ${o.toModel} (a different tokenizer may count a few % more or fewer)`,
      `Catalog quality ${o.qualityTo} vs ${o.qualityFrom} is a general score, not measured on ${o.app}'s prompts`,
    ],
    rationale: `${o.requests.toLocaleString('en-US')} ${o.app} requests on ${o.fromModel} cost ${usd(o.currentCostUsd)} in the window; the same tokens on ${o.toModel} (${o.toProvider}) cost ${usd(o.projectedCostUsd)} at catalog prices. Catalog quality ${o.qualityTo} vs ${o.qualityFrom} (floor ${o.qualityFloor})${crossProvider ? `; a switch from ${fromProvider} to ${o.toProvider} is unverified until shadow-tested on ${o.app}'s prompts` : ''}.`,
    steps: [
      `Shadow-test ${o.toModel} on a sample of ${o.app} prompts and score it against ${o.fromModel}`,
      `Add a routing rule app=${o.app} → ${o.toModel}, first for 10% of traffic`,
      'Ramp to 100% when quality and p95 latency hold',
    ],
  };
}

/** Recommendations worth less than this a month are listed as minor, not planned: max($1, 0.5 % of spend). */
export function materialityUsd(monthlyCostUsd: number): number {
  return Math.max(1, monthlyCostUsd * 0.005);
}

/** How much shorter answers are assumed to get when a whole workload is asked for brevity (stated in the recommendation). */
export const SHORTER_ANSWERS_SHARE = 0.3;

/**
 * Published cached-input discounts by provider (share of the input price saved on cached prompt tokens): OpenAI 50 %
 * (automatic for prompts ≥ 1,024 tokens), Anthropic 90 % (cache reads at 10 % of the input price; writes cost
 * 25 % more, left out), Google 75 %. Providers not listed get no estimate.
 */
export const PROMPT_CACHE_DISCOUNT: Readonly<Record<string, number>> = { openai: 0.5, anthropic: 0.9, google: 0.75 };
/** The share of a long prompt assumed to be a stable prefix (system prompt, tools, shared context) the provider can cache. */
export const CACHEABLE_PREFIX_SHARE = 0.5;

/**
 * Provider prompt caching for workloads with long prompts (≥ 1,024 tokens on average) that cache less than the
 * assumed stable prefix: the discount on the prompt tokens between what they cache now (`cachedPromptTokens`, when
 * reported) and CACHEABLE_PREFIX_SHARE, at catalog input prices.
 */
function promptCachingRecommendations(data: DataOutput, catalog: readonly ModelCatalogEntry[], perMonthUsd: (x: number) => number): Recommendation[] {
  const prices = new Map(catalog.map((m) => [canonicalModel(m.model), m]));
  const out: Recommendation[] = [];
  for (const w of data.workloads) {
    const price = prices.get(canonicalModel(w.model));
    const discount = price ? PROMPT_CACHE_DISCOUNT[price.provider] : undefined;
    if (!price || discount === undefined || w.requests < 100 || w.promptTokens / w.requests < 1_024) continue;
    const cachedShare = w.promptTokens > 0 ? (w.cachedPromptTokens ?? 0) / w.promptTokens : 0;
    if (cachedShare >= CACHEABLE_PREFIX_SHARE) continue;
    const saved = costOf(price, w.promptTokens * (CACHEABLE_PREFIX_SHARE - cachedShare) * discount, 0);
    out.push({
      title: `Use ${price.provider}'s prompt caching for ${w.app} on ${w.model}`,
      strategy: 'prompt_caching',
      app: w.app,
      model: w.model,
      estimatedMonthlySavingsUsd: round(perMonthUsd(saved)),
      latencyImpactPct: -5,
      qualityRisk: 'none',
      rationale: `${w.app}'s prompts on ${w.model} average ${Math.round(w.promptTokens / w.requests).toLocaleString('en-US')} tokens and ${pct(cachedShare)} of them are served from the provider's cache now; ${price.provider} bills cached prompt tokens ${discount * 100} % cheaper.`,
      assumptions: [`${CACHEABLE_PREFIX_SHARE * 100} % of each prompt is a stable prefix (system prompt, tool definitions, shared context)`, `${price.provider}'s cached-input discount: ${discount * 100} %`, 'Report cachedPromptTokens in the usage events to measure it'],
      steps: ['Put the stable part of the prompt first and the per-request part last', price.provider === 'anthropic' ? 'Mark the end of the stable prefix with cache_control breakpoints' : 'Keep the prefix byte-identical across requests (no timestamps or ids in it)', 'Watch cachedPromptTokens / promptTokens in the usage data'],
    });
  }
  return out;
}

/**
 * A routing change's quality risk from the workspace's own evidence when it has some: reported quality scores
 * (`qualityScore` on usage events) of the workload on its current model and of any workload on the target model.
 * Within 2 points (or better): low; 2–5 points worse: medium; more: high. Without both, the catalog rating stands.
 */
export function withQualityEvidence(rec: Recommendation, o: RoutingOption, data: DataOutput): Recommendation {
  const from = data.workloads.find((w) => w.app === o.app && w.model === o.fromModel);
  const to = data.workloads.filter((w) => canonicalModel(w.model) === canonicalModel(o.toModel) && (w.qualityReports ?? 0) > 0);
  if (!from || from.qualityScore === null || from.qualityScore === undefined || to.length === 0) return rec;
  const n = to.reduce((s, w) => s + (w.qualityReports ?? 0), 0);
  const target = to.reduce((s, w) => s + (w.qualityScore ?? 0) * (w.qualityReports ?? 0), 0) / n;
  const drop = from.qualityScore - target;
  return {
    ...rec,
    qualityRisk: drop <= 2 ? 'low' : drop <= 5 ? 'medium' : 'high',
    rationale: `${rec.rationale ?? ''} Your own quality scores: ${from.qualityScore.toFixed(1)} for ${o.app} on ${o.fromModel} (${from.qualityReports} reports) against ${target.toFixed(1)} on ${o.toModel} (${n} reports, ${to.map((w) => w.app).join(', ')}).`.trim(),
  };
}

/** Strategies judged by what they save; the others (latency, capacity, reliability) by their own effect. */
const SAVINGS_STRATEGIES = new Set(['model_routing', 'caching', 'prompt_caching', 'batching', 'prompt_trimming']);

/**
 * Computes the recommendations the question calls for, with numbers — for cost: model routing against the
 * catalog, caching of repeated prompts, batching, prompt trimming; for latency: output caps, streaming and prompt
 * trimming where the data shows them to be the cause; for errors: the cost of failed calls; for comparisons: routing
 * between the compared models; for growth: capacity — ranked by projected monthly savings, the immaterial ones
 * set apart. A question about names the workspace does not have gets none.
 */
export const optimizationAgent: Agent<'optimization'> = {
  name: 'optimization',
  callsModel: false,
  output: OptimizationOutput,
  input: (ctx) => ({ requests: upstream(ctx, 'optimization', 'data').totals.requests, constraints: upstream(ctx, 'optimization', 'triage').constraints, intent: upstream(ctx, 'optimization', 'triage').intent }),
  async run(ctx) {
    const triage = upstream(ctx, 'optimization', 'triage');
    const data = upstream(ctx, 'optimization', 'data');
    const perMonthUsd = (x: number) => perMonth(x, data.observedDays);
    const monthlyCostUsd = round(perMonthUsd(data.totals.costUsd));
    const scope = triage.scope;
    const unknownOnly = (scope?.unknown?.length ?? 0) > 0 && (scope?.apps.length ?? 0) + (scope?.models.length ?? 0) === 0;
    if (!data.dataAvailable || unknownOnly) {
      return {
        output: { monthlyCostUsd, combinedMonthlySavingsUsd: 0, recommendations: [], minorRecommendations: [], routing: [], batching: [] },
        summary: unknownOnly ? `Not in the data: ${scope?.unknown?.join(', ')}` : 'No data to optimize yet',
      };
    }
    const intent = triage.intent;
    // Questions about spend, growth, the overview and its anomalies end in the savings plan; latency, errors and
    // comparisons get plans of their own.
    const costPlan = ['cost_optimization', 'general', 'workload_analysis', 'forecast', 'quality_optimization', 'monitoring'].includes(intent);
    const range = { from: new Date(data.window.from), to: new Date(data.window.to) };
    const filter = filterOf(scope);
    const args = { from: data.window.from, to: data.window.to, intent };
    const [catalog, batching, peaks] = await Promise.all([
      new CatalogService(ctx.db).snapshot(),
      costPlan && filter.dimension === null
        ? callTool(ctx, 'optimization', 'batching_potential', args, () => batchingPotential(ctx.db, ctx.userId, range, filter), (b) => `${b.filter((x) => x.eligible).length} of ${b.length} apps fit a batch API`)
        : Promise.resolve([]),
      triage.growthPct === undefined ? Promise.resolve([]) : callTool(ctx, 'optimization', 'peak_load', args, () => peakLoad(ctx.db, ctx.userId, range, filter), (p) => p.map((x) => `${x.model} ${x.peakRpm} rpm`).join(', ') || 'no peaks'),
    ]);
    ctx.signal.throwIfAborted();
    const providers = new Map(data.byModel.map((m) => [m.model, m.provider]));

    const recommendations: Recommendation[] = [];
    let routing: ReturnType<typeof simulateRouting> = [];
    if (costPlan || intent === 'model_selection') {
      const compared = intent === 'model_selection' ? new Set((data.comparison ?? []).map((r) => canonicalModel(r.model))) : null;
      routing = await callTool(
        ctx,
        'optimization',
        'simulate_routing',
        { ...args, constraints: triage.constraints },
        async () =>
          simulateRouting(
            data.workloads,
            // A comparison routes only between the models compared (when it named at least two).
            compared && compared.size >= 2 ? catalog.filter((m) => compared.has(canonicalModel(m.model))) : catalog,
            {
              ...(triage.constraints.minQuality === undefined ? {} : { minQuality: triage.constraints.minQuality }),
              ...(triage.constraints.maxLatencyMs === undefined ? {} : { maxLatencyMs: triage.constraints.maxLatencyMs }),
            },
          ),
        (r) => `${r.length} cheaper routes${r[0] ? `; best ${r[0].app}: ${r[0].fromModel} → ${r[0].toModel}` : ''}`,
      );
      recommendations.push(...routing.map((o) => withQualityEvidence(routingRecommendation(o, perMonthUsd, providers.get(o.fromModel) ?? null), o, data)));
    }
    if (costPlan) {
      recommendations.push(...cachingRecommendations(data, perMonthUsd));
      for (const b of batching.filter((x) => x.eligible && x.savingsUsd > 0)) {
        recommendations.push({
          title: `Send ${b.app} through a batch API`,
          strategy: 'batching',
          app: b.app,
          estimatedMonthlySavingsUsd: round(perMonthUsd(b.savingsUsd)),
          qualityRisk: 'none',
          rationale: `${b.app} is scheduled work (${pct(b.peakHoursShare)} of its ${b.requests.toLocaleString('en-US')} requests in three hours of the day${b.taggedBatchShare > 0 ? `, ${pct(b.taggedBatchShare)} tagged batch` : ''}); asynchronous batch APIs cost ${BATCH_DISCOUNT * 100}% less and answer within 24 h.`,
          assumptions: ['Results may arrive up to 24 hours later', `The provider's batch discount is ${BATCH_DISCOUNT * 100} %`],
          steps: [`Collect ${b.app}'s requests into JSONL batch files`, 'Submit them to the provider\'s batch endpoint and poll for results', 'Keep the synchronous path as a fallback for urgent items'],
        });
      }
      recommendations.push(...trimmingRecommendations(data, catalog, perMonthUsd));
      recommendations.push(...promptCachingRecommendations(data, catalog, perMonthUsd));
    }
    if (intent === 'latency_optimization') recommendations.push(...latencyRecommendations(data, catalog, perMonthUsd, triage.constraints.maxLatencyMs));
    if (intent === 'error_analysis') recommendations.push(...errorRecommendations(data, perMonthUsd));

    let growth: OptimizationOutput['growth'];
    if (triage.growthPct !== undefined) {
      growth = growthWhatIf(triage.growthPct, monthlyCostUsd, peaks, triage.constraints.rateLimitRpm);
      for (const m of growth.byModel.filter((x) => x.rpmHeadroomPct !== null && x.rpmHeadroomPct < 20)) {
        recommendations.push({
          title: `Raise the rate limit for ${m.model} before traffic grows`,
          strategy: 'capacity',
          model: m.model,
          estimatedMonthlySavingsUsd: 0,
          qualityRisk: 'none',
          rationale: `At +${triage.growthPct}% the busiest minute reaches ${m.projectedPeakRpm} requests, leaving ${(m.rpmHeadroomPct ?? 0).toFixed(0)}% of the ${triage.constraints.rateLimitRpm} RPM limit.`,
          steps: ['Ask the provider for a higher tier', 'Spread scheduled jobs over more of the day', 'Add a second model to the fallback chain for overflow'],
        });
      }
    }

    // The plan: what matters. Savings strategies below max($1, 0.5 % of spend) are listed apart, not planned.
    const bar = materialityUsd(monthlyCostUsd);
    const minor = recommendations.filter((r) => SAVINGS_STRATEGIES.has(r.strategy) && r.estimatedMonthlySavingsUsd < bar);
    const planned = recommendations.filter((r) => !minor.includes(r));
    const bySavings = (a: Recommendation, b: Recommendation) => b.estimatedMonthlySavingsUsd - a.estimatedMonthlySavingsUsd || (a.latencyImpactPct ?? 0) - (b.latencyImpactPct ?? 0) || a.title.localeCompare(b.title);
    planned.sort(bySavings);
    minor.sort(bySavings);
    const costByApp = new Map(data.byApp.map((a) => [a.app, perMonthUsd(a.costUsd)]));
    const combinedMonthlySavingsUsd = Math.min(monthlyCostUsd, combinedSavings(planned, costByApp));
    const output: OptimizationOutput = {
      monthlyCostUsd,
      combinedMonthlySavingsUsd,
      recommendations: planned,
      minorRecommendations: minor,
      routing,
      batching,
      ...(growth ? { growth } : {}),
    };
    const best = planned[0];
    const summary = best
      ? `${planned.length} recommendations${minor.length > 0 ? ` (+${minor.length} minor)` : ''}; first: ${best.title}${best.estimatedMonthlySavingsUsd > 0 ? ` (≈ ${usd(best.estimatedMonthlySavingsUsd)}/month)` : ''}`
      : 'No change to recommend for this question';
    return { output, summary };
  },
};

/**
 * Latency recommendations that fit the measured cause, per app (the workload where the app runs one model):
 * long outputs → cap them at their p90; not streamed → stream; long prompts before the first token → trim them;
 * a slow first token with short prompts → test a faster model (unverified: catalog latencies are not this data).
 */
function latencyRecommendations(data: DataOutput, catalog: readonly ModelCatalogEntry[], perMonthUsd: (x: number) => number, targetMs: number | undefined): Recommendation[] {
  const out: Recommendation[] = [];
  const prices = new Map(catalog.map((m) => [canonicalModel(m.model), m]));
  for (const p of (data.latency ?? []).filter((x) => x.model !== null)) {
    const model = p.model!;
    if (p.requests < 20) continue;
    const target = targetMs === undefined ? '' : ` (target ${duration(targetMs)}: ${p.p95LatencyMs <= targetMs ? 'met' : 'missed'})`;
    if (p.cause === 'generation_length' && p.generationMsPerToken !== null && p.ttftP95Ms !== null) {
      const price = prices.get(canonicalModel(model));
      const capAtP90 = Math.max(50, Math.round(p.completionTokensP90));
      const cappedP95 = p.ttftP95Ms + capAtP90 * p.generationMsPerToken;
      const capImpact = Math.round(((cappedP95 - p.p95LatencyMs) / p.p95LatencyMs) * 100);
      if (capImpact > -10) {
        // A tail that is not a few outliers: all answers are long. Shorter answers for everyone, not a cap.
        const cut = SHORTER_ANSWERS_SHARE;
        const impact = -Math.round(cut * (1 - (p.ttftShareOfP95 ?? 0)) * 100);
        const w = data.workloads.find((x) => x.app === p.app && x.model === model);
        const saved = price && w ? perMonthUsd(costOf(price, 0, w.completionTokens * cut)) : 0;
        out.push({
          title: `Ask for shorter answers in ${p.app} on ${model}`,
          strategy: 'output_cap',
          app: p.app,
          model,
          estimatedMonthlySavingsUsd: round(saved),
          latencyImpactPct: impact,
          qualityRisk: 'medium',
          rationale: `${p.explanation} Answers are long throughout (median ${Math.round(p.completionTokensP50)}, p95 ${Math.round(p.completionTokensP95)} tokens), so a cap would cut many of them; ${cut * 100} % fewer output tokens shorten the p95 by ≈ ${-impact} %${target}.`,
          assumptions: [`Answers can be ${cut * 100} % shorter (a length instruction, structured output) without losing what users need`, `Generation speed stays ≈ ${p.generationMsPerToken.toFixed(1)} ms per token`],
          steps: [`Add a length budget to ${p.app}'s prompt (e.g. "answer in at most ${Math.round(p.completionTokensP50 * (1 - cut))} tokens")`, `Set max_tokens a little above it (${Math.round(p.completionTokensP95)})`, 'Compare answer ratings and follow-up rates for a week'],
        });
        continue;
      }
      // Tokens no longer generated: the 10 % of answers above the cap lose on average half the distance to the p95.
      const saved = price ? perMonthUsd(costOf(price, 0, p.requests * 0.1 * Math.max(0, (p.completionTokensP95 - capAtP90) / 2))) : 0;
      out.push({
        title: `Cap ${p.app}'s answers on ${model} at ${capAtP90} tokens`,
        strategy: 'output_cap',
        app: p.app,
        model,
        estimatedMonthlySavingsUsd: round(saved),
        latencyImpactPct: capImpact,
        qualityRisk: 'medium',
        rationale: `${p.explanation} Capping output at the p90 (${capAtP90} tokens) bounds the p95 near ${duration(cappedP95)}${target}.`,
        assumptions: [`The longest 10 % of answers can be shortened (or continued on request) without losing what users need`, `Generation speed stays ≈ ${p.generationMsPerToken.toFixed(1)} ms per token`],
        steps: [`Set max_tokens=${capAtP90} for ${p.app} on ${model}`, 'Ask for concise answers in the system prompt', 'Watch truncated answers (finish_reason=length) and user feedback for a week'],
      });
    }
    if (p.streamedShare < 0.5 && p.p95LatencyMs >= 2_000) {
      out.push({
        title: `Stream ${p.app}'s answers on ${model}`,
        strategy: 'streaming',
        app: p.app,
        model,
        estimatedMonthlySavingsUsd: 0,
        qualityRisk: 'none',
        rationale: `Only ${pct(p.streamedShare)} of ${p.app}'s requests on ${model} stream; users wait for the whole answer (p95 ${duration(p.p95LatencyMs)}) before seeing anything${target}.`,
        assumptions: ['The client can render partial answers; the full answer takes as long as before'],
        steps: [`Call ${model} with stream=true in ${p.app}`, 'Render tokens as they arrive', 'Record ttftMs in the usage events to measure the first-token wait'],
      });
    }
    if (p.cause === 'prompt_size') {
      out.push({
        title: `Shorten ${p.app}'s prompts on ${model}`,
        strategy: 'prompt_trimming',
        app: p.app,
        model,
        estimatedMonthlySavingsUsd: 0,
        qualityRisk: 'medium',
        rationale: `${p.explanation}${target}`,
        assumptions: ['Time to first token grows with prompt length on this model'],
        steps: ['Retrieve fewer or shorter chunks', 'Move static instructions into a cached system prompt', 'Compare TTFT and answer quality on a sample'],
      });
    }
    if (p.cause === 'time_to_first_token') {
      const current = prices.get(canonicalModel(model));
      const faster = catalog
        .filter((m) => current && m.id !== current.id && m.typicalLatencyMs !== null && current.typicalLatencyMs !== null && m.typicalLatencyMs < current.typicalLatencyMs * 0.7 && m.qualityScore >= current.qualityScore - 3)
        .sort((a, b) => (a.typicalLatencyMs ?? 0) - (b.typicalLatencyMs ?? 0))[0];
      if (faster) {
        out.push({
          title: `Test ${faster.model} for ${p.app} (slow first token on ${model})`,
          strategy: 'model_routing',
          app: p.app,
          model,
          estimatedMonthlySavingsUsd: 0,
          qualityRisk: 'unverified',
          rationale: `${p.explanation} The catalog lists ${faster.model} as typically faster; that is not measured on this data.${target}`,
          assumptions: ['Catalog latencies are typical figures, not this workload\'s: shadow-test before switching'],
          steps: [`Send a shadow sample of ${p.app} to ${faster.model}`, 'Compare TTFT p95 and answer quality', 'Switch the routing rule only if both hold'],
        });
      }
    }
  }
  return out;
}

/** What failed calls cost per app, and a reduction plan where the rate or the bursts call for one. */
function errorRecommendations(data: DataOutput, perMonthUsd: (x: number) => number): Recommendation[] {
  const out: Recommendation[] = [];
  for (const e of (data.errors ?? []).filter((x) => x.model === null)) {
    if (e.errors < 5 || (e.errorRate < 0.02 && e.bursts.length === 0)) continue;
    const burst = e.bursts[0];
    out.push({
      title: `Cut failed calls of ${e.app}`,
      strategy: 'retry_reduction',
      app: e.app,
      estimatedMonthlySavingsUsd: round(perMonthUsd(e.failedCostUsd / 2)),
      qualityRisk: 'none',
      rationale: `${e.errors.toLocaleString('en-US')} of ${e.app}'s ${e.requests.toLocaleString('en-US')} calls failed (${pct(e.errorRate)})${burst ? `, most on ${burst.day} (${burst.errors} failures, ${pct(burst.errorRate)})` : ''}; at its average cost per call they cost ${usd(e.failedCostUsd)} in the window.`,
      assumptions: ['Failed calls are billed and then retried', 'Half of them can be avoided with backoff, a fallback model and timeouts that fit the answer length'],
      steps: [`Retry ${e.app}'s calls with jittered exponential backoff and a retry budget`, 'Fall back to a second model on 429/5xx instead of retrying the same one', 'Alert when the daily error rate passes twice its median'],
    });
  }
  return out;
}

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
      estimatedMonthlySavingsUsd: round(perMonthUsd(a.cost)),
      latencyImpactPct: -Math.round(share * 100),
      qualityRisk: 'low',
      rationale: `${pct(share)} of ${app}'s requests (${a.repeats.toLocaleString('en-US')}) repeat an earlier prompt exactly; they cost ${usd(a.cost)} in the window. A cache hit costs nothing and answers in milliseconds.`,
      assumptions: [`Every exact repeat is served from the cache (a ${pct(share)} hit rate); answers to repeated prompts may be reused within the TTL`],
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
      estimatedMonthlySavingsUsd: round(perMonthUsd(a.trimmable)),
      qualityRisk: 'medium',
      rationale: `${app}'s prompts average ${Math.round(avg).toLocaleString('en-US')} tokens. Removing ${TRIM_SHARE * 100}% of them (fewer or shorter retrieved chunks, deduplicated instructions) saves ${usd(a.trimmable)} in the window at catalog input prices.`,
      assumptions: [`${TRIM_SHARE * 100} % of the prompt tokens can go without hurting answers — measure it on a sample first`],
      steps: ['Measure which prompt sections the answers actually use', `Cut retrieved context and boilerplate by ${TRIM_SHARE * 100}%`, 'Compare answer quality on a held-out sample before rollout'],
    });
  }
  return out;
}

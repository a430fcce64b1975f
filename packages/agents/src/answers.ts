import type { Finding } from '@netra/contracts';
import type { DataOutput, OptimizationOutput, TriageOutput } from './schemas.js';
import { duration, percent, round, usd } from './format.js';
import { perMonth } from './tools/metrics.js';

/** The direct reply to the question (one sentence, first in the report) and the measured facts behind it. */
export interface Answer {
  lead: string;
  findings: Finding[];
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const code = (s: string) => `\`${s}\``;

/** What the question was about, in words: "support-chat", "gpt-4o on support-chat", or "your applications". */
function subject(triage: TriageOutput): string {
  const s = triage.scope;
  const parts = [...(s?.apps ?? []).map(code), ...(s?.models ?? []).map(code), ...Object.entries(s?.dimensions ?? {}).flatMap(([k, vs]) => vs.map((v) => `${k} ${code(v)}`))];
  return parts.length > 0 ? parts.join(', ') : 'your applications';
}

function unknownAnswer(triage: TriageOutput, data: DataOutput, names: { apps: string[]; models: string[] }): Answer {
  const unknown = triage.scope?.unknown ?? [];
  return {
    lead: `There is no usage data for ${unknown.map(code).join(', ')} in this workspace${names.apps.length > 0 ? `: its apps are ${names.apps.map(code).join(', ')}` : ''}${names.models.length > 0 ? `, its models ${names.models.map(code).join(', ')}` : ''}.`,
    findings: data.byApp.slice(0, 5).map((a) => ({ title: `App ${a.app}`, detail: `${count(a.requests)} requests in the window`, metric: 'requests', value: a.requests, unit: 'requests', app: a.app })),
  };
}

function costAnswer(triage: TriageOutput, data: DataOutput, opt: OptimizationOutput): Answer {
  const total = data.totals.costUsd;
  const share = (x: number) => (total > 0 ? x / total : 0);
  const findings: Finding[] = [];
  for (const a of data.byApp.slice(0, 3)) findings.push({ title: `${a.app}: ${percent(share(a.costUsd))} of spend`, detail: `${usd(a.costUsd)} for ${count(a.requests)} requests (${usd(a.requests > 0 ? (a.costUsd / a.requests) * 1_000 : 0)} per 1,000)`, metric: 'costUsd', value: round(a.costUsd), unit: 'usd', app: a.app });
  const topModel = data.byModel[0];
  if (topModel) findings.push({ title: `${topModel.model}: ${percent(share(topModel.costUsd))} of spend`, detail: `${usd(topModel.costUsd)} for ${count(topModel.requests)} requests`, metric: 'costUsd', value: round(topModel.costUsd), unit: 'usd', model: topModel.model });
  for (const d of data.dimensions ?? []) {
    const v = d.values[0];
    if (v) findings.push({ title: `${d.key} ${v.value}: ${percent(v.share)} of spend`, detail: `${usd(v.costUsd)} for ${count(v.requests)} requests; ${d.values.length > 1 ? `next: ${d.values.slice(1, 3).map((x) => `${x.value} ${usd(x.costUsd)}`).join(', ')}` : 'the only value'}`, metric: 'costUsd', value: round(v.costUsd), unit: 'usd', dimension: { key: d.key, value: v.value } });
  }
  const repeats = data.duplicatePrompts;
  if (data.cacheByWorkload.length > 0) findings.push({ title: `${percent(repeats.share)} of requests repeat a prompt`, detail: `${count(repeats.requests)} repeats cost ${usd(repeats.costUsd)} in the window`, metric: 'repeatShare', value: round(repeats.share, 4), unit: 'ratio' });
  const monthly = opt.monthlyCostUsd;
  const saving = opt.combinedMonthlySavingsUsd;
  const top = data.byApp[0];
  if (triage.focus === 'caching') {
    const best = [...data.cacheByWorkload].sort((a, b) => b.repeatCostUsd - a.repeatCostUsd)[0];
    const caching = opt.recommendations.filter((r) => r.strategy === 'caching').reduce((s, r) => s + r.estimatedMonthlySavingsUsd, 0);
    findings.unshift(...data.cacheByWorkload.slice(0, 3).map((w): Finding => ({ title: `${w.app} on ${w.model}: ${percent(w.requests > 0 ? w.repeats / w.requests : 0)} repeats`, detail: `${count(w.repeats)} of ${count(w.requests)} requests repeat an earlier prompt (${usd(w.repeatCostUsd)})${w.exact === false ? '; estimated from the sketch (±2 %)' : ''}`, metric: 'repeatShare', value: round(w.requests > 0 ? w.repeats / w.requests : 0, 4), unit: 'ratio', app: w.app, model: w.model })));
    return {
      lead: `${percent(repeats.share)} of ${subject(triage) === 'your applications' ? 'your' : `${subject(triage)}'s`} requests repeat an earlier prompt exactly; an exact-match cache would save ≈ ${usd(caching)} a month${best ? `, most on ${code(best.app)} (${usd(perMonth(best.repeatCostUsd, data.observedDays))}/month)` : ''}.`,
      findings,
    };
  }
  const byDimension = triage.attributeBy ? (data.dimensions ?? []).find((d) => d.key === triage.attributeBy) : undefined;
  if (byDimension && byDimension.values[0]) {
    const v = byDimension.values[0];
    const untagged = total - byDimension.taggedCostUsd;
    findings.sort((a, b) => Number(b.dimension?.key === byDimension.key) - Number(a.dimension?.key === byDimension.key));
    findings.unshift(...byDimension.values.slice(1, 4).map((x): Finding => ({ title: `${byDimension.key} ${x.value}: ${percent(x.share)} of spend`, detail: `${usd(x.costUsd)} for ${count(x.requests)} requests`, metric: 'costUsd', value: round(x.costUsd), unit: 'usd', dimension: { key: byDimension.key, value: x.value } })));
    findings.sort((a, b) => Number(b.dimension?.key === byDimension.key) - Number(a.dimension?.key === byDimension.key) || (b.dimension?.key === byDimension.key && a.dimension?.key === byDimension.key ? b.value - a.value : 0));
    return {
      lead: `By ${byDimension.key}, ${code(v.value)} spends the most: ${usd(v.costUsd)} of ${usd(total)} (${percent(v.share)}) in the window${byDimension.values[1] ? `, then ${byDimension.values.slice(1, 3).map((x) => `${code(x.value)} ${usd(x.costUsd)}`).join(', ')}` : ''}${untagged > 0.005 ? `; ${usd(untagged)} carries no ${byDimension.key}` : ''}.`,
      findings,
    };
  }
  if (triage.focus === 'attribution' && top) {
    return { lead: `${code(top.app)} costs the most: ${usd(top.costUsd)} of ${usd(total)} (${percent(share(top.costUsd))}) in the window, ≈ ${usd(perMonth(top.costUsd, data.observedDays))} a month.`, findings };
  }
  return {
    lead: `${subject(triage) === 'your applications' ? 'You spend' : `${subject(triage)} spends`} ≈ ${usd(monthly)} a month on LLM calls${top && data.byApp.length > 1 ? `, ${percent(share(top.costUsd))} of it in ${code(top.app)}` : ''}; ${saving > 0 ? `the plan below saves ≈ ${usd(saving)} a month (${percent(monthly > 0 ? saving / monthly : 0)})` : 'no change saves a material amount'}.`,
    findings,
  };
}

function latencyAnswer(triage: TriageOutput, data: DataOutput): Answer {
  const profiles = data.latency ?? [];
  const apps = profiles.filter((p) => p.model === null);
  const focal = apps.find((p) => triage.scope?.apps.includes(p.app)) ?? apps[0];
  const findings: Finding[] = [];
  for (const p of apps.slice(0, 4)) {
    findings.push({ title: `${p.app}: p95 ${duration(p.p95LatencyMs)}`, detail: `p50 ${duration(p.p50LatencyMs)}, p99 ${duration(p.p99LatencyMs)}; ${p.ttftP95Ms === null ? 'no TTFT recorded' : `first token p95 ${duration(p.ttftP95Ms)}`}; output p95 ${count(p.completionTokensP95)} tokens`, metric: 'p95LatencyMs', value: Math.round(p.p95LatencyMs), unit: 'ms', app: p.app });
  }
  if (focal) {
    if (focal.ttftP95Ms !== null) findings.push({ title: `${focal.app}: first token p95 ${duration(focal.ttftP95Ms)}`, detail: `${percent(focal.ttftShareOfP95 ?? 0)} of the p95`, metric: 'ttftP95Ms', value: Math.round(focal.ttftP95Ms), unit: 'ms', app: focal.app });
    findings.push({ title: `${focal.app}: ${count(focal.completionTokensP95)} output tokens at p95`, detail: `median ${count(focal.completionTokensP50)}, p90 ${count(focal.completionTokensP90)}`, metric: 'completionTokens', value: Math.round(focal.completionTokensP95), unit: 'tokens', app: focal.app });
    if (focal.generationMsPerToken !== null) findings.push({ title: `${focal.app}: ${focal.generationMsPerToken.toFixed(1)} ms per output token`, detail: 'generation time after the first token, at the median', metric: 'generationMsPerToken', value: round(focal.generationMsPerToken), unit: 'ms', app: focal.app });
  }
  const overall = data.overall?.p95LatencyMs ?? data.totals.p95LatencyMs;
  const target = triage.constraints.maxLatencyMs;
  if (!focal) return { lead: `Your p95 latency is ${duration(overall)}.`, findings };
  const worse = (data.overall?.byApp ?? apps).filter((p) => p.app !== focal.app && p.p95LatencyMs > focal.p95LatencyMs).map((p) => code(p.app));
  const cause = focal.cause === 'generation_length' ? 'long outputs, not the model: most of it is generation after the first token' : focal.cause === 'time_to_first_token' ? 'waiting for the first token' : focal.cause === 'prompt_size' ? 'long prompts delaying the first token' : 'not separable: no time to first token was recorded';
  const vs = triage.scope?.apps.length ? `${focal.p95LatencyMs <= overall ? 'below' : 'above'} the overall ${duration(overall)}${worse.length > 0 ? `; ${worse.join(' and ')} drive the tail` : ''}` : `overall ${duration(overall)}`;
  return {
    lead: `${code(focal.app)}'s p95 latency is ${duration(focal.p95LatencyMs)} (${vs}); the cause is ${cause}${focal.ttftP95Ms !== null ? ` (first token p95 ${duration(focal.ttftP95Ms)}, ${count(focal.completionTokensP95)} output tokens at p95)` : ''}${target === undefined ? '' : `; the ${duration(target)} target is ${focal.p95LatencyMs <= target ? 'met' : 'missed'}`}.`,
    findings,
  };
}

function errorAnswer(triage: TriageOutput, data: DataOutput): Answer {
  const apps = (data.errors ?? []).filter((e) => e.model === null);
  const findings: Finding[] = apps.slice(0, 4).map((e) => ({ title: `${e.app}: ${percent(e.errorRate)} errors`, detail: `${count(e.errors)} of ${count(e.requests)} calls failed${e.bursts[0] ? `; burst on ${e.bursts[0].day}: ${count(e.bursts[0].errors)} failures (${percent(e.bursts[0].errorRate)})` : ''}; failed calls cost ${usd(e.failedCostUsd)}`, metric: 'errorRate', value: round(e.errorRate, 4), unit: 'ratio', app: e.app }));
  const failed = apps.reduce((s, e) => s + e.errors, 0);
  const worst = [...apps].sort((a, b) => b.errors - a.errors)[0];
  const burst = apps.flatMap((e) => e.bursts.map((b) => ({ ...b, app: e.app }))).sort((a, b) => b.errors - a.errors)[0];
  const trend = data.byDay.length >= 2 ? data.byDay : [];
  const half = Math.floor(trend.length / 2);
  const rate = (days: typeof trend) => {
    const r = days.reduce((s, d) => s + d.requests, 0);
    return r === 0 ? 0 : days.reduce((s, d) => s + d.errorRate * d.requests, 0) / r;
  };
  const first = rate(trend.slice(0, half));
  const second = rate(trend.slice(half));
  const direction = trend.length < 4 ? '' : Math.abs(second - first) < 0.002 ? '; it is flat over the window' : second > first ? `; it rose from ${percent(first)} to ${percent(second)} between the window's halves` : `; it fell from ${percent(first)} to ${percent(second)} between the window's halves`;
  return {
    lead: `${subject(triage) === 'your applications' ? 'Your' : `${subject(triage)}'s`} error rate is ${percent(data.totals.errorRate)} (${count(failed)} failed calls of ${count(data.totals.requests)})${direction}${worst && worst.errors > 0 ? `; ${code(worst.app)} has the most failures (${percent(worst.errorRate)})` : ''}${burst ? `, with a burst on ${burst.day} in ${code(burst.app)}` : ''}.`,
    findings,
  };
}

function forecastAnswer(triage: TriageOutput, data: DataOutput, opt: OptimizationOutput): Answer {
  const f = data.forecast;
  if (!f) return { lead: `Too few days of data to forecast: ${data.byDay.length} in the window.`, findings: [] };
  const findings: Finding[] = [
    { title: `Next ${f.horizonDays} days: ≈ ${usd(f.projectedUsd)}`, detail: `${usd(f.lowUsd)}–${usd(f.highUsd)} (95 % interval); ${f.method}`, metric: 'costUsd', value: f.projectedUsd, unit: 'usd' },
    { title: `Last ${f.horizonDays} days: ${usd(f.baselineUsd)}`, detail: 'the baseline of the forecast', metric: 'costUsd', value: f.baselineUsd, unit: 'usd' },
    { title: `Trend: ${f.growthPct >= 0 ? '+' : ''}${f.growthPct} %`, detail: 'projected against the baseline', metric: 'growthPct', value: f.growthPct, unit: 'pct' },
  ];
  for (const m of (opt.growth?.byModel ?? []).slice(0, 3)) findings.push({ title: `${m.model}: busiest minute ${count(m.peakRpm)} → ${count(m.projectedPeakRpm)} requests`, detail: m.rpmHeadroomPct === null ? 'no rate limit stated' : `${m.rpmHeadroomPct.toFixed(0)} % of the limit left`, metric: 'peakRpm', value: m.projectedPeakRpm, unit: 'rpm', model: m.model });
  const plan = opt.monthlyCostUsd > 0 ? opt.combinedMonthlySavingsUsd / opt.monthlyCostUsd : 0;
  const scenario = f.scenarioGrowthPct !== undefined && f.scenarioUsd !== undefined ? `If traffic grows ${f.scenarioGrowthPct} %, the next ${f.horizonDays} days cost ≈ ${usd(f.scenarioUsd)} instead of ${usd(f.projectedUsd)}` : `The next ${f.horizonDays} days should cost ≈ ${usd(f.projectedUsd)} (${usd(f.lowUsd)}–${usd(f.highUsd)}), ${f.growthPct >= 0 ? '+' : ''}${f.growthPct} % on the last ${f.horizonDays}`;
  return { lead: `${scenario}${plan > 0 ? `; with the plan below ≈ ${usd((f.scenarioUsd ?? f.projectedUsd) * (1 - plan))}` : ''}.`, findings };
}

function comparisonAnswer(triage: TriageOutput, data: DataOutput, opt: OptimizationOutput): Answer {
  const rows = data.comparison ?? [];
  const findings: Finding[] = rows.map((r) => ({ title: `${r.model}: ${r.inData ? `${usd(r.costPer1kRequestsUsd ?? 0)} per 1,000 requests` : 'not used yet'}`, detail: r.inData ? `${count(r.requests)} requests, p95 ${duration(r.p95LatencyMs ?? 0)}, ${percent(r.errorRate ?? 0)} errors, catalog quality ${r.qualityScore ?? '—'}` : `catalog: $${r.inputPricePerMTok} / $${r.outputPricePerMTok} per million tokens in/out, quality ${r.qualityScore ?? '—'}`, metric: 'costUsd', value: round(r.costUsd), unit: 'usd', model: r.model }));
  const used = rows.filter((r) => r.inData);
  if (used.length === 0) return { lead: 'None of the models compared has traffic in the window.', findings };
  const cheapest = [...used].sort((a, b) => (a.costPer1kRequestsUsd ?? 0) - (b.costPer1kRequestsUsd ?? 0))[0]!;
  const fastest = [...used].sort((a, b) => (a.p95LatencyMs ?? 0) - (b.p95LatencyMs ?? 0))[0]!;
  const candidates = (triage.catalogModels ?? []).map((m) => {
    const moves = opt.routing.filter((o) => o.toModel === m);
    return { model: m, moves, savings: moves.reduce((s, o) => s + perMonth(o.savingsUsd, data.observedDays), 0) };
  });
  const about = candidates.map((c) =>
    c.moves.length > 0
      ? `${code(c.model)} is not in your traffic yet; moving ${c.moves.map((o) => `${code(o.app)} off ${code(o.fromModel)}`).join(' and ')} to it would save ≈ ${usd(c.savings)} a month at catalog prices (quality unverified)`
      : `${code(c.model)} is not in your traffic yet and no workload of yours would get cheaper on it at its quality`,
  );
  return {
    lead: `${about.length > 0 ? `${about.join('; ')}. For comparison, on` : 'On'} your traffic ${used.map((r) => `${code(r.model)} costs ${usd(r.costPer1kRequestsUsd ?? 0)} per 1,000 requests at p95 ${duration(r.p95LatencyMs ?? 0)}`).join('; ')}: ${code(cheapest.model)} is the cheapest${fastest.model === cheapest.model ? ' and the fastest' : `, ${code(fastest.model)} the fastest`}.`,
    findings,
  };
}

function monitoringAnswer(data: DataOutput): Answer {
  const causes = data.anomalyCauses ?? [];
  const label = (m: string) => (m === 'costUsd' ? 'cost' : m === 'errorRate' ? 'error rate' : m === 'p95LatencyMs' ? 'p95 latency' : 'requests');
  const show = (m: string, v: number) => (m === 'costUsd' ? usd(v) : m === 'errorRate' ? percent(v) : m === 'p95LatencyMs' ? duration(v) : count(v));
  const findings: Finding[] = causes.slice(0, 5).map((a) => ({ title: `${a.day}: ${label(a.metric)} ${show(a.metric, a.value)}`, detail: `trend ${show(a.metric, a.expected)} (score ${a.score})${a.app ? `; driven by ${a.app}${a.model ? ` / ${a.model}` : ''}` : ''}`, metric: a.metric === 'requests' ? 'requests' : a.metric, value: round(a.value, 4), unit: a.metric === 'costUsd' ? 'usd' : a.metric === 'errorRate' ? 'ratio' : a.metric === 'p95LatencyMs' ? 'ms' : 'requests', ...(a.app ? { app: a.app } : {}), ...(a.model ? { model: a.model } : {}) }));
  const top = causes[0];
  return {
    lead: top ? `${causes.length} anomal${causes.length === 1 ? 'y' : 'ies'} in the window; the largest: ${label(top.metric)} on ${top.day} was ${show(top.metric, top.value)} against a trend of ${show(top.metric, top.expected)}${top.app ? `, driven by ${code(top.app)}${top.model ? ` on ${code(top.model)}` : ''}` : ''}.` : 'No anomalies: every day\'s requests, cost, error rate and p95 latency stayed near the trend.',
    findings,
  };
}

function overviewAnswer(triage: TriageOutput, data: DataOutput): Answer {
  const t = data.totals;
  const slowest = [...data.byApp].sort((a, b) => b.p95LatencyMs - a.p95LatencyMs)[0];
  const findings: Finding[] = [
    { title: `${count(t.requests)} requests`, detail: `${data.byApp.length} apps, ${data.byModel.length} models`, metric: 'requests', value: t.requests, unit: 'requests' },
    { title: `${usd(t.costUsd)} spent`, detail: `${count(t.promptTokens)} prompt and ${count(t.completionTokens)} completion tokens`, metric: 'costUsd', value: round(t.costUsd), unit: 'usd' },
    { title: `p95 ${duration(t.p95LatencyMs)}`, detail: `p50 ${duration(t.p50LatencyMs)}, p99 ${duration(t.p99LatencyMs)}`, metric: 'p95LatencyMs', value: Math.round(t.p95LatencyMs), unit: 'ms' },
    { title: `${percent(t.errorRate)} errors`, detail: 'failed calls of all calls', metric: 'errorRate', value: round(t.errorRate, 4), unit: 'ratio' },
  ];
  if (slowest) findings.push({ title: `Slowest app: ${slowest.app}`, detail: `p95 ${duration(slowest.p95LatencyMs)}`, metric: 'p95LatencyMs', value: Math.round(slowest.p95LatencyMs), unit: 'ms', app: slowest.app });
  return { lead: `${subject(triage) === 'your applications' ? 'Your applications' : subject(triage)} made ${count(t.requests)} LLM requests for ${usd(t.costUsd)} in the window, with p95 latency ${duration(t.p95LatencyMs)} and ${percent(t.errorRate)} errors.`, findings };
}

/**
 * "This week vs last week": the change of the intent's metric between the two periods, and the app that moved it
 * most. Null without a comparison window.
 */
function periodChange(triage: TriageOutput, data: DataOutput): Answer | null {
  const before = data.previousPeriod;
  if (!before) return null;
  const metric = triage.intent === 'latency_optimization' ? 'p95LatencyMs' : triage.intent === 'error_analysis' ? 'errorRate' : triage.intent === 'workload_analysis' ? 'requests' : 'costUsd';
  const show = (v: number) => (metric === 'p95LatencyMs' ? duration(v) : metric === 'errorRate' ? percent(v) : metric === 'requests' ? count(v) : usd(v));
  const label = metric === 'p95LatencyMs' ? 'p95 latency' : metric === 'errorRate' ? 'the error rate' : metric === 'requests' ? 'traffic' : 'spend';
  const now = data.totals[metric];
  const then = before.totals[metric];
  const change = then > 0 ? (now - then) / then : null;
  const apps = new Map(before.byApp.map((a) => [a.app, a]));
  const moves = data.byApp.map((a) => ({ app: a.app, delta: a[metric] - (apps.get(a.app)?.[metric] ?? 0) })).concat(before.byApp.filter((b) => !data.byApp.some((a) => a.app === b.app)).map((b) => ({ app: b.app, delta: -b[metric] })));
  const additive = metric === 'costUsd' || metric === 'requests';
  const mover = [...moves].sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta))[0];
  const direction = now > then ? 'up' : now < then ? 'down' : 'flat';
  const lead = `${label[0]!.toUpperCase()}${label.slice(1)} is ${direction}${change === null || direction === 'flat' ? '' : ` ${percent(Math.abs(change))}`}: ${show(now)} for ${data.window.from.slice(0, 10)} – ${data.window.to.slice(0, 10)} against ${show(then)} for ${before.window.from.slice(0, 10)} – ${before.window.to.slice(0, 10)}${mover && mover.delta !== 0 ? `; ${code(mover.app)} ${additive ? `accounts for ${mover.delta > 0 ? '+' : '−'}${show(Math.abs(mover.delta))} of the change` : `moved most (${mover.delta > 0 ? '+' : '−'}${show(Math.abs(mover.delta))})`}` : ''}.`;
  const unit: Finding['unit'] = metric === 'p95LatencyMs' ? 'ms' : metric === 'errorRate' ? 'ratio' : metric === 'requests' ? 'requests' : 'usd';
  const findings: Finding[] = [
    { title: `${label[0]!.toUpperCase()}${label.slice(1)}: ${show(then)} → ${show(now)}`, detail: `${before.window.from.slice(0, 10)} – ${before.window.to.slice(0, 10)} against ${data.window.from.slice(0, 10)} – ${data.window.to.slice(0, 10)}`, metric, value: round(now, 4), unit },
    ...moves
      .filter((m) => m.delta !== 0)
      .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta))
      .slice(0, 3)
      .map((m): Finding => ({ title: `${m.app}: ${m.delta > 0 ? '+' : '−'}${show(Math.abs(m.delta))}`, detail: `${show(apps.get(m.app)?.[metric] ?? 0)} → ${show(data.byApp.find((a) => a.app === m.app)?.[metric] ?? 0)}`, metric, value: round(m.delta, 4), unit, app: m.app })),
  ];
  return { lead, findings };
}

/** The answer the question calls for: the lead and findings of its intent, from the tools' numbers only. */
export function answerOf(triage: TriageOutput, data: DataOutput, opt: OptimizationOutput, names: { apps: string[]; models: string[] }): Answer {
  const answer = answerFor(triage, data, opt, names);
  const change = data.dataAvailable || data.previousPeriod?.totals.requests ? periodChange(triage, data) : null;
  // A period comparison leads with the change, then the intent's own evidence.
  return change ? { lead: change.lead, findings: [...change.findings, ...answer.findings] } : answer;
}

function answerFor(triage: TriageOutput, data: DataOutput, opt: OptimizationOutput, names: { apps: string[]; models: string[] }): Answer {
  const scope = triage.scope;
  if ((scope?.unknown?.length ?? 0) > 0 && (scope?.apps.length ?? 0) + (scope?.models.length ?? 0) === 0) return unknownAnswer(triage, data, names);
  if (!data.dataAvailable) return { lead: `There are no LLM usage events for ${subject(triage)} between ${data.window.from.slice(0, 10)} and ${data.window.to.slice(0, 10)}.`, findings: [] };
  switch (triage.intent) {
    case 'cost_optimization':
      return costAnswer(triage, data, opt);
    case 'latency_optimization':
      return latencyAnswer(triage, data);
    case 'error_analysis':
      return errorAnswer(triage, data);
    case 'forecast':
      return forecastAnswer(triage, data, opt);
    case 'model_selection':
      return comparisonAnswer(triage, data, opt);
    case 'monitoring':
      return monitoringAnswer(data);
    case 'workload_analysis':
      return data.forecast ? forecastAnswer(triage, data, opt) : overviewAnswer(triage, data);
    default:
      return overviewAnswer(triage, data);
  }
}

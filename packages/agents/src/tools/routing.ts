import type { ModelCatalogEntry } from '@netra/contracts';
import { canonicalModel, costOf } from '@netra/usage';

export interface RoutingWorkload {
  app: string;
  model: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  p95LatencyMs: number;
}

export interface RoutingConstraints {
  /** Quality floor (0..100). Default: the current model's score minus `qualityTolerance`. */
  minQuality?: number;
  /** Ceiling on the candidate's typical latency. Default: the current model's typical latency × 1.25. */
  maxLatencyMs?: number;
  qualityTolerance?: number;
  /** A change must save at least this share of the workload's cost. Default 5%. */
  minSavingsShare?: number;
}

export interface RoutingOption {
  app: string;
  fromModel: string;
  toModel: string;
  toProvider: string;
  requests: number;
  /** What the workload cost in the window, and what the same tokens cost on the candidate (catalog prices). */
  currentCostUsd: number;
  projectedCostUsd: number;
  savingsUsd: number;
  qualityFrom: number;
  qualityTo: number;
  latencyFromMs: number | null;
  latencyToMs: number | null;
  qualityFloor: number;
  latencyCeilingMs: number | null;
}

/**
 * Routing simulation: for each workload (app × model), the cheapest catalog model whose quality meets the floor,
 * whose typical latency stays under the ceiling and whose context window fits the workload's average prompt
 * (with 2× headroom) — priced on the workload's actual tokens. Workloads on models outside the catalog are
 * skipped (their quality is unknown).
 */
export function simulateRouting(workloads: readonly RoutingWorkload[], catalog: readonly ModelCatalogEntry[], constraints: RoutingConstraints = {}): RoutingOption[] {
  const byName = new Map(catalog.map((m) => [canonicalModel(m.model), m]));
  const options: RoutingOption[] = [];
  for (const w of workloads) {
    if (w.requests === 0) continue;
    const current = byName.get(canonicalModel(w.model));
    if (!current) continue;
    const floor = constraints.minQuality ?? current.qualityScore - (constraints.qualityTolerance ?? 3);
    const ceiling = constraints.maxLatencyMs ?? (current.typicalLatencyMs === null ? null : current.typicalLatencyMs * 1.25);
    const avgPrompt = w.promptTokens / w.requests;
    let best: { entry: ModelCatalogEntry; cost: number } | undefined;
    for (const candidate of catalog) {
      if (candidate.id === current.id) continue;
      if (candidate.qualityScore < floor) continue;
      if (ceiling !== null && candidate.typicalLatencyMs !== null && candidate.typicalLatencyMs > ceiling) continue;
      if (candidate.contextWindow < avgPrompt * 2) continue;
      const cost = costOf(candidate, w.promptTokens, w.completionTokens);
      if (!best || cost < best.cost || (cost === best.cost && candidate.qualityScore > best.entry.qualityScore)) best = { entry: candidate, cost };
    }
    if (!best) continue;
    const savings = w.costUsd - best.cost;
    if (savings <= 0 || savings < w.costUsd * (constraints.minSavingsShare ?? 0.05)) continue;
    options.push({
      app: w.app,
      fromModel: w.model,
      toModel: best.entry.model,
      toProvider: best.entry.provider,
      requests: w.requests,
      currentCostUsd: w.costUsd,
      projectedCostUsd: best.cost,
      savingsUsd: savings,
      qualityFrom: current.qualityScore,
      qualityTo: best.entry.qualityScore,
      latencyFromMs: current.typicalLatencyMs,
      latencyToMs: best.entry.typicalLatencyMs,
      qualityFloor: floor,
      latencyCeilingMs: ceiling,
    });
  }
  return options.sort((a, b) => b.savingsUsd - a.savingsUsd || a.app.localeCompare(b.app));
}

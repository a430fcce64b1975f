/**
 * A report's recommendation as the statement that completes a run stores it in `recommendations` (packages/runs
 * writes it, packages/watch derives it from the report and later measures it). Stable ids, from the run and the
 * position, so writing the same recommendation again is a no-op.
 */
export interface RecommendationRow {
  id: string;
  position: number;
  title: string;
  strategy: string;
  app: string | null;
  model: string | null;
  estimatedMonthlySavingsUsd: number;
  windowFrom: string;
  windowTo: string;
  rollback: string | null;
}

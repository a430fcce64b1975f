import { querySql, sql, type Db } from '@netra/db';
import { dayRange, filterParams, type UsageFilter, type Window } from '@netra/usage';

export interface PeakLoad {
  model: string;
  /** Busiest minute in the window: requests and tokens (prompt + completion). */
  peakRpm: number;
  peakTpm: number;
}

/**
 * The busiest minute of each model over the window's whole UTC days (what rate limits are measured against): the
 * maximum of the days' peaks in `usage_peaks`, which ingestion keeps exact from per-minute counts. Peaks are per
 * model across apps (a rate limit is), so only a filter's models narrow them.
 */
export async function peakLoad(db: Db, userId: string, window: Window, filter?: UsageFilter): Promise<PeakLoad[]> {
  const { fromDay, toDay } = dayRange(window);
  const f = filterParams(filter);
  const rows = await querySql<{ model: string; rpm: number; tpm: number }>(
    db,
    sql('usage_peaks_read')`
      SELECT model, max(peak_rpm)::int AS rpm, max(peak_tpm)::float8 AS tpm
        FROM usage_peaks
       WHERE user_id = ${userId}::uuid AND day >= ${fromDay}::date AND day < ${toDay}::date
         AND (${f.models}::text[] IS NULL OR model = ANY(${f.models}::text[]))
       GROUP BY model ORDER BY model`,
  );
  return rows.map((r) => ({ model: r.model, peakRpm: r.rpm, peakTpm: r.tpm }));
}

export interface GrowthProjection {
  growthPct: number;
  monthlyCostUsd: number;
  projectedMonthlyCostUsd: number;
  byModel: {
    model: string;
    peakRpm: number;
    projectedPeakRpm: number;
    peakTpm: number;
    projectedPeakTpm: number;
    /** Share of the stated rate limit left at the projected peak (null without a stated limit). */
    rpmHeadroomPct: number | null;
  }[];
}

/**
 * "+N% traffic": cost scales linearly with requests (same mix), and so do the busiest minutes; headroom is what
 * remains of a stated requests-per-minute limit at the projected peak.
 */
export function growthWhatIf(growthPct: number, monthlyCostUsd: number, peaks: readonly PeakLoad[], rpmLimit?: number): GrowthProjection {
  const factor = 1 + growthPct / 100;
  return {
    growthPct,
    monthlyCostUsd,
    projectedMonthlyCostUsd: monthlyCostUsd * factor,
    byModel: peaks.map((p) => {
      const projectedPeakRpm = Math.ceil(p.peakRpm * factor);
      return {
        model: p.model,
        peakRpm: p.peakRpm,
        projectedPeakRpm,
        peakTpm: p.peakTpm,
        projectedPeakTpm: Math.ceil(p.peakTpm * factor),
        rpmHeadroomPct: rpmLimit === undefined ? null : ((rpmLimit - projectedPeakRpm) / rpmLimit) * 100,
      };
    }),
  };
}

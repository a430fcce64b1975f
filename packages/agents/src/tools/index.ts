export { workloadMetrics, observedDays, perMonth, type WorkloadReport, type Window } from './metrics.js';
export { cacheOpportunity, type CacheOpportunity } from './cache.js';
export { simulateRouting, type RoutingWorkload, type RoutingConstraints, type RoutingOption } from './routing.js';
export { batchingPotential, BATCH_DISCOUNT, type BatchingCandidate } from './batching.js';
export { detectAnomalies, type Anomaly, type AnomalyMetric } from './anomalies.js';
export { peakLoad, growthWhatIf, type PeakLoad, type GrowthProjection } from './growth.js';
export { dimensionShares, attributeAnomalies, errorProfiles, type DimensionShare, type AnomalyCause, type ErrorProfile } from './attribution.js';
export { latencyProfiles, type LatencyProfile } from './latency.js';
export { forecastSpend } from './forecast.js';

export { withContext, addContext, currentContext, type LogContext } from './context.js';
export { logger, configureLogging, errorFields, redact, warnOnce, warnedOnce, formatPretty, type Logger, type LoggingOptions, type LogFormat } from './logger.js';
export { registry, metrics, collectDefaultMetrics, type Tally, type TalliedCounter } from './metrics.js';
export { runHealthChecks, type HealthCheck, type HealthReport, type CheckResult } from './health.js';
export {
  startTracing,
  tracingRequested,
  withSpan,
  currentTraceparent,
  contextFromTraceparent,
  parseTraceparent,
  requestTraceId,
  activeTraceId,
  newTraceId,
  SpanKind,
  type Span,
  type SpanOptions,
  type Tracing,
  type TracingOptions,
} from './tracing.js';
export { metricsAuthorized } from './metrics-auth.js';
export { launch, type Launchable, type LaunchConfig, type LaunchOptions } from './launch.js';

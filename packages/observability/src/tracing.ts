import { randomBytes } from 'node:crypto';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { currentContext } from './context.js';

/** Netra's own spans (runs, agents, LLM calls, WS frames); libraries' spans come from their instrumentations. */
const tracer = trace.getTracer('netra');

export interface TracingOptions {
  /** `gateway`, `worker`: the default `service.name` is `netra-<service>`. */
  service: string;
  /** From the validated config: tracing is off unless an exporter or an OTLP endpoint is configured. */
  enabled: boolean;
  /** OTEL_SERVICE_NAME, when set. */
  serviceName?: string;
}

export interface Tracing {
  enabled: boolean;
  /** Flushes spans still buffered (call on shutdown, after the app closed). */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK. Must run before the app's modules are loaded: each app's `main.ts` loads its
 * config, calls this, and only then imports the app with a dynamic `import()`, so the ESM loader hook registered
 * here sees express, ioredis and pg being imported. When tracing is off nothing is registered or loaded (the
 * SDK is imported lazily): no hook, no cost on the hot path.
 *
 * Everything else comes from the standard `OTEL_*` variables, read by the SDK itself: the exporter
 * (`OTEL_TRACES_EXPORTER`, default otlp), endpoint and protocol (`OTEL_EXPORTER_OTLP_*`), sampler, batch delays.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  if (!options.enabled) return { enabled: false, shutdown: async () => undefined };
  // Prometheus (prom-client) owns metrics and winston owns logs; the SDK would otherwise also start OTLP
  // metric/log pipelines when their variables are unset in some versions.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';

  const { register } = await import('node:module');
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  // Only the modules an instrumentation asks for are wrapped (not every ESM module of the app).
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const [{ NodeSDK }, { HttpInstrumentation }, { ExpressInstrumentation }, { IORedisInstrumentation }, { PgInstrumentation }, { UndiciInstrumentation }, { PrismaInstrumentation }] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-express'),
      import('@opentelemetry/instrumentation-ioredis'),
      import('@opentelemetry/instrumentation-pg'),
      import('@opentelemetry/instrumentation-undici'),
      import('@prisma/instrumentation'),
    ]);
  const quiet = /^\/(health|metrics)(\/|$|\?)/;
  const sdk = new NodeSDK({
    serviceName: options.serviceName ?? `netra-${options.service}`,
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes every few seconds would drown the traces that matter.
        ignoreIncomingRequestHook: (req) => quiet.test(req.url ?? ''),
        requireParentforOutgoingSpans: true,
      }),
      new ExpressInstrumentation(),
      // BullMQ polls Redis all the time: only commands made inside a trace are spans.
      new IORedisInstrumentation({ requireParentSpan: true }),
      new PgInstrumentation({ requireParentSpan: true }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
      new PrismaInstrumentation(),
    ],
  });
  sdk.start();
  await waitForAllMessagesAcknowledged();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}

/** Whether `OTEL_*` settings ask for traces (an endpoint, or an exporter other than `none`). */
export function tracingRequested(settings: { OTEL_TRACES_EXPORTER: string[]; OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined }): boolean {
  const exporters = settings.OTEL_TRACES_EXPORTER.filter((e) => e !== 'none');
  if (settings.OTEL_TRACES_EXPORTER.includes('none')) return false;
  return exporters.length > 0 || settings.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined;
}

// ---- W3C trace context ------------------------------------------------------------------------------------

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE = '0'.repeat(32);

export function parseTraceparent(value: string | undefined): { traceId: string; spanId: string; sampled: boolean } | undefined {
  const match = value === undefined ? null : TRACEPARENT.exec(value.trim().toLowerCase());
  if (!match || match[1] === INVALID_TRACE || match[2] === '0'.repeat(16)) return undefined;
  return { traceId: match[1] as string, spanId: match[2] as string, sampled: (Number.parseInt(match[3] as string, 16) & 1) === 1 };
}

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/** The trace id of the active span, if a recording SDK made one. */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  const ctx = span?.spanContext();
  return ctx && trace.isSpanContextValid(ctx) ? ctx.traceId : undefined;
}

/**
 * The trace id a request or frame logs under: the active span's when tracing is on, else the caller's
 * `traceparent`, else a new one. So logs correlate across gateway and worker even with tracing off.
 */
export function requestTraceId(traceparent?: string): string {
  return activeTraceId() ?? parseTraceparent(traceparent)?.traceId ?? newTraceId();
}

/**
 * The W3C `traceparent` to hand to another process (the run's job): the active span's, or — tracing off — one
 * made from the log context's trace id (not sampled), so the worker's lines carry the same id.
 */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  if (carrier.traceparent) return carrier.traceparent;
  const traceId = currentContext().traceId;
  return traceId ? `00-${traceId}-${randomBytes(8).toString('hex')}-00` : undefined;
}

/** The context a `traceparent` from another process continues (the root context when there is none). */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context; default the active one. */
  parent?: Context;
  /** Start a new trace whatever is active (e.g. a WebSocket frame, which must not join the socket's upgrade). */
  root?: boolean;
}

/**
 * Runs `fn` in a new active span that ends when `fn` settles; a thrown error is recorded on the span and
 * rethrown. Without a registered SDK the span is a no-op.
 */
export async function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.root ? ROOT_CONTEXT : (options.parent ?? context.active());
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

export { SpanKind, type Span };

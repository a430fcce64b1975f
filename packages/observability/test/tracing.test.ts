import { currentTraceparent, metricsAuthorized, parseTraceparent, requestTraceId, tracingRequested, withContext } from '@netra/observability';

describe('trace context without an SDK (tracing off)', () => {
  it('parses W3C traceparent headers and rejects invalid ones', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      sampled: true,
    });
    expect(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent('garbage')).toBeUndefined();
    expect(parseTraceparent(undefined)).toBeUndefined();
  });

  it("keeps the caller's trace id, else makes one, and hands it on as a traceparent", () => {
    expect(requestTraceId('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(requestTraceId()).toMatch(/^[0-9a-f]{32}$/);
    const traceId = requestTraceId();
    const header = withContext({ traceId }, () => currentTraceparent());
    expect(parseTraceparent(header)?.traceId).toBe(traceId);
    expect(currentTraceparent()).toBeUndefined();
  });

  it('turns tracing on only when OTEL_* asks for it', () => {
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: [] })).toBe(false);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: ['none'], OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' })).toBe(false);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: [], OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: ['console'] })).toBe(true);
  });
});

describe('metrics bearer protection', () => {
  it('is open without a token and needs the exact bearer with one', () => {
    expect(metricsAuthorized(undefined, undefined)).toBe(true);
    expect(metricsAuthorized('0123456789abcdef', undefined)).toBe(false);
    expect(metricsAuthorized('0123456789abcdef', 'Bearer 0123456789abcdeX')).toBe(false);
    expect(metricsAuthorized('0123456789abcdef', 'Bearer 0123456789abcdef')).toBe(true);
  });
});

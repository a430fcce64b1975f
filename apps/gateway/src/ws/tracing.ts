import { requestTraceId, SpanKind, withContext, withSpan } from '@netra/observability';

/**
 * Each client frame is the start of its own trace (`ws user_message`, …), like an HTTP request: the socket lives
 * for hours and must not make every frame a child of its upgrade. Pings are not traced (noise).
 */
export function traceFrame<T>(type: string, handle: () => Promise<T>): Promise<T> {
  if (type === 'ping') return handle();
  return withSpan(`ws ${type}`, { kind: SpanKind.SERVER, root: true, attributes: { 'netra.ws.frame': type } }, () =>
    withContext({ traceId: requestTraceId() }, handle),
  );
}

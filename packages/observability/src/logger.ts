import { trace } from '@opentelemetry/api';
import winston from 'winston';
import { currentContext } from './context.js';

export interface LoggingOptions {
  /** `gateway`, `worker`, … — on every line. */
  service: string;
  level?: string;
}

/** Keys whose values never reach a log line, wherever they are nested. */
const SECRET_KEYS = /^(authorization|cookie|set-cookie|token|accesstoken|refreshtoken|ticket|password|secret|apikey|api_key|jwt|jwt_secret|llm_api_key)$/i;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;
const TICKET_QS = /([?&](ticket|token|access_token)=)[^&\s"]+/gi;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(BEARER, '$1[redacted]').replace(TICKET_QS, '$1[redacted]');
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

const contextFormat = winston.format((info) => {
  // The active span (tracing on) names the trace; otherwise the context's own trace id (see requestTraceId).
  const span = trace.getActiveSpan()?.spanContext();
  if (span && trace.isSpanContextValid(span)) {
    info.traceId ??= span.traceId;
    info.spanId ??= span.spanId;
  }
  const ctx = currentContext();
  for (const [k, v] of Object.entries(ctx)) if (info[k] === undefined && v !== undefined) info[k] = v;
  return info;
});

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'timestamp') continue;
    info[key] = SECRET_KEYS.test(key) ? '[redacted]' : redact(info[key]);
  }
  return info;
});

function build(options: LoggingOptions): winston.Logger {
  return winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: { service: options.service, pid: process.pid },
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      contextFormat(),
      redactFormat(),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  });
}

/**
 * The process's one logger. Apps call `configureLogging` once at start-up; modules import `logger` and use
 * `logger.child({ component })`. Structured JSON, with the AsyncLocalStorage context on every line.
 */
export const logger: winston.Logger = build({ service: 'netra', level: process.env.LOG_LEVEL ?? 'info' });

export function configureLogging(options: LoggingOptions): winston.Logger {
  const next = build(options);
  logger.configure({
    level: next.level,
    format: next.format,
    defaultMeta: next.defaultMeta,
    transports: [new winston.transports.Console()],
  });
  return logger;
}

export type Logger = winston.Logger;

/** Reduces an unknown thrown value to something a log line can carry. */
export function errorFields(error: unknown): { error: { name: string; message: string; code?: string; stack?: string } } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      error: {
        name: error.name,
        message: error.message,
        ...(typeof code === 'string' ? { code } : {}),
        ...(error.stack ? { stack: error.stack } : {}),
      },
    };
  }
  return { error: { name: 'NonError', message: String(error) } };
}

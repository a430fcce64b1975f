import { trace } from '@opentelemetry/api';
import winston from 'winston';
import { currentContext } from './context.js';

/** `json`: one JSON object per line. `pretty`: one human-readable line. `auto` (default): pretty on a terminal. */
export type LogFormat = 'auto' | 'pretty' | 'json';

export interface LoggingOptions {
  /** `gateway`, `worker`, … — on every line. */
  service: string;
  level?: string;
  /** LOG_FORMAT. Default `auto`: pretty (coloured) when stdout is a terminal, JSON otherwise (files, pipes, collectors). */
  format?: LogFormat;
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

const COLOURS: Record<string, string> = { error: '\x1b[31m', warn: '\x1b[33m', info: '\x1b[36m', http: '\x1b[35m', debug: '\x1b[90m', silly: '\x1b[90m' };
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
/** Fields every line carries, shown in the line's head (or not at all) rather than as `key=value`. */
const HEAD_FIELDS = new Set(['level', 'message', 'timestamp', 'service', 'pid']);

function pretty(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * One line a person can read: `12:04:31.512 WARN  gateway  message  key=value …`, the level coloured when `colour`
 * (a terminal), and a logged error's stack on the lines below. Same fields as the JSON format (context, trace ids,
 * redaction), only laid out for eyes.
 */
export function formatPretty(info: Record<string, unknown>, colour: boolean): string {
  const level = String(info.level);
  const time = typeof info.timestamp === 'string' ? info.timestamp.slice(11, 23) : '';
  const head = `${level.toUpperCase().padEnd(5)}`;
  const paint = (code: string | undefined, text: string) => (colour && code ? `${code}${text}${RESET}` : text);
  const fields: string[] = [];
  let stack: string | undefined;
  for (const [key, value] of Object.entries(info)) {
    if (HEAD_FIELDS.has(key) || value === undefined) continue;
    if (key === 'stack' && typeof value === 'string') {
      stack = value;
      continue;
    }
    if (key === 'error' && value !== null && typeof value === 'object' && typeof (value as { stack?: unknown }).stack === 'string') {
      const { stack: errorStack, ...rest } = value as { stack: string };
      stack = errorStack;
      fields.push(`error=${pretty(rest)}`);
      continue;
    }
    fields.push(`${key}=${pretty(value)}`);
  }
  const service = typeof info.service === 'string' ? info.service : '';
  const line = [paint(DIM, time), paint(COLOURS[level], head), paint(DIM, service), String(info.message), fields.length > 0 ? paint(DIM, fields.join(' ')) : '']
    .filter((part) => part !== '')
    .join('  ');
  return stack ? `${line}\n${paint(DIM, stack)}` : line;
}

function usePretty(format: LogFormat | undefined): boolean {
  if (format === 'pretty') return true;
  if (format === 'json') return false;
  return process.stdout.isTTY === true;
}

function build(options: LoggingOptions): winston.Logger {
  const human = usePretty(options.format);
  const colour = human && process.stdout.isTTY === true;
  return winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: { service: options.service, pid: process.pid },
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      contextFormat(),
      redactFormat(),
      winston.format.timestamp(),
      human ? winston.format.printf((info) => formatPretty(info, colour)) : winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  });
}

/**
 * Start-up warnings already shown by this process or by the one that started it (`npm start` runs a gateway and
 * workers that read the same configuration: the launcher prints a warning and hands the list down in
 * NETRA_WARNED_ONCE, an internal variable between these processes, not configuration).
 */
const warned = new Set<string>(inheritedWarnings());

function inheritedWarnings(): string[] {
  const raw = process.env.NETRA_WARNED_ONCE;
  if (raw === undefined || raw === '') return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch (error) {
    // A malformed hand-over only means the warning is shown again: say so, once, and carry on.
    process.stderr.write(`NETRA_WARNED_ONCE is not a JSON array of strings (${error instanceof Error ? error.message : String(error)}); warnings may repeat\n`);
    return [];
  }
}

/** Logs a warning unless the same one was already shown (by this process or by `npm start` before it). */
export function warnOnce(message: string, fields: Record<string, unknown> = {}): void {
  if (warned.has(message)) return;
  warned.add(message);
  logger.warn(message, fields);
}

/** The warnings shown so far, for a launcher to hand to its child processes (NETRA_WARNED_ONCE). */
export function warnedOnce(): string[] {
  return [...warned];
}

/**
 * The process's one logger. Apps call `configureLogging` once at start-up; modules import `logger` and use
 * `logger.child({ component })`. Structured JSON (or pretty lines on a terminal), with the AsyncLocalStorage context
 * on every line.
 */
export const logger: winston.Logger = build({ service: 'netra', level: process.env.LOG_LEVEL ?? 'info' });
skipDisabledLevels(logger);

/**
 * winston builds the log entry and pushes it through its stream before the transport drops a level that is off,
 * so every per-run `debug` line cost its object, a stream write and a format pass (1–2 % of a worker's CPU at
 * 100 runs/s). Checked first here; child loggers inherit the methods (`child()` is `Object.create(parent)`), and the
 * check reads the level at call time, so `configureLogging` still changes it.
 */
function skipDisabledLevels(target: winston.Logger): void {
  const methods = target as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const level of Object.keys(target.levels)) {
    const original = methods[level];
    if (typeof original !== 'function') continue;
    methods[level] = function (this: winston.Logger, ...args: unknown[]) {
      if (!this.isLevelEnabled(level)) return this;
      return original.apply(this, args);
    };
  }
}

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

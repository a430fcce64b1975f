import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0));
const url = (protocols: RegExp) => z.url({ protocol: protocols });

/** A rate limit as `points/seconds` (e.g. `120/60`: 120 per minute, in fixed windows), or `off`. */
export interface RateLimit {
  points: number;
  durationSeconds: number;
}
const rateLimit = z
  .string()
  .regex(/^(off|[1-9]\d{0,8}\/[1-9]\d{0,5})$/, 'a limit is `points/seconds` (e.g. 120/60) or `off`')
  .transform((s): RateLimit | null => {
    if (s === 'off') return null;
    const [points, seconds] = s.split('/').map(Number);
    return { points: points ?? 1, durationSeconds: seconds ?? 1 };
  });

/**
 * Which proxies may tell us the client's address (X-Forwarded-For): `false` (none: the TCP peer is the client),
 * a hop count, or a comma-separated list of addresses/CIDRs/`loopback`/`linklocal`/`uniquelocal`. `true`
 * (trust anyone) is refused, since every client could then pick its own address and walk around per-IP limits.
 */
const trustProxy = z
  .string()
  .refine((s) => s !== 'true', 'trusting every proxy lets clients forge their address: give the hop count or the proxies\' addresses')
  .transform((s): false | number | string[] => {
    if (s === 'false' || s === '0') return false;
    if (/^\d{1,2}$/.test(s)) return Number(s);
    return s.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
  });

/**
 * Every environment variable Netra reads, with its default. This object is the only place that reads
 * `process.env`; the README's configuration table is checked against CONFIG_DOCS by a test.
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'debug', 'silly']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),

  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: int(0, 65535).default(3000),
  PUBLIC_URL: url(/^https?$/).optional(),

  DATABASE_URL: url(/^postgres(ql)?$/).default('postgresql://postgres@127.0.0.1:5432/netra'),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  DATABASE_PREPARED_STATEMENTS: bool.default(true),

  REDIS_URL: url(/^rediss?$/).default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, _ and - only (1..40)')
    .default('netra'),

  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_JWKS_URL: url(/^https?$/).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_CLOCK_TOLERANCE_SECONDS: int(0, 30).default(30),
  JWT_JWKS_COOLDOWN_MS: int(0, 3_600_000).default(30_000),
  JWT_TTL_SECONDS: int(60, 86_400 * 30).default(3600),
  AUTH_DEV_LOGIN: bool.optional(),
  CORS_ORIGINS: list.default([]),
  TRUST_PROXY: trustProxy.default(false),
  HSTS_MAX_AGE_SECONDS: int(0, 2 * 365 * 86_400).default(180 * 86_400),
  RATE_LIMIT_IP_REQUESTS: rateLimit.default({ points: 3000, durationSeconds: 60 }),
  RATE_LIMIT_USER_REQUESTS: rateLimit.default({ points: 1200, durationSeconds: 60 }),
  RATE_LIMIT_IP_UPGRADES: rateLimit.default({ points: 120, durationSeconds: 60 }),
  RATE_LIMIT_USER_MESSAGES: rateLimit.default({ points: 120, durationSeconds: 60 }),
  RATE_LIMIT_IP_AUTH_FAILURES: rateLimit.default({ points: 30, durationSeconds: 300 }),
  RATE_LIMIT_LEASE: int(1, 1_000_000_000).default(1_000_000),

  WORKERS: int(0, 64).default(1),
  WORKER_CONCURRENCY: int(1, 1000).default(8),
  WORKER_HTTP_PORT: int(0, 65535).default(9464),
  QUEUE_MAX_WAITING: int(1, 10_000_000).default(10_000),
  RUN_MAX_ATTEMPTS: int(1, 20).default(3),
  RUN_LOCK_MS: int(1000, 600_000).default(30_000),
  WORKER_HEARTBEAT_TTL_MS: int(500, 60_000).default(2_500),
  DATABASE_OUTAGE_WAIT_MS: int(0, 3_600_000).default(120_000),
  READY_MIN_WORKERS: int(0, 10_000).default(0),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
  GATEWAY_SEMI_SPACE_MB: int(0, 64).default(8),

  WS_MAX_SOCKETS_PER_USER: int(1, 1000).default(10),
  WS_HEARTBEAT_MS: int(1000, 600_000).default(30_000),
  WS_MAX_PAYLOAD_BYTES: int(1024, 16 * 1024 * 1024).default(256 * 1024),
  WS_MAX_BUFFERED_BYTES: int(16 * 1024, 256 * 1024 * 1024).default(8 * 1024 * 1024),
  WS_TICKET_TTL_MS: int(1000, 30_000).default(30_000),
  EVENT_RETENTION_SECONDS: int(60, 90 * 86_400).default(7 * 86_400),
  EVENT_LOG_MAXLEN: int(100, 10_000_000).default(10_000),

  LLM_PROVIDER: z.enum(['local', 'openai']).default('local'),
  LLM_BASE_URL: url(/^https?$/).optional(),
  LLM_API_KEY: z.string().min(1).optional(),
  LLM_MODELS: list.default([]),
  LLM_TIMEOUT_MS: int(100, 600_000).default(30_000),
  LLM_MAX_RETRIES: int(0, 10).default(2),
  LLM_CACHE_TTL_SECONDS: int(0, 30 * 86_400).default(86_400),
  /** Metadata keys of usage events rolled up per day like `app` (attribution: cost by team, user, feature). */
  USAGE_DIMENSIONS: z
    .string()
    .regex(/^\s*([A-Za-z0-9_.-]{1,40}\s*(,\s*[A-Za-z0-9_.-]{1,40}\s*){0,9})?$/, 'up to 10 comma-separated metadata keys (letters, digits, _ . -; 1..40 each)')
    .default('team,user,feature')
    .transform((s) => [...new Set(s.split(',').map((x) => x.trim()).filter((x) => x.length > 0))]),
  LLM_BREAKER_RESET_MS: int(100, 3_600_000).default(30_000),
  LLM_LOCAL_DELAY_MS: int(0, 600_000).default(0),
  RECONCILE_INTERVAL_MS: int(200, 600_000).default(5_000),

  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  WEBHOOK_TIMEOUT_MS: int(100, 60_000).default(10_000),
  WEBHOOK_MAX_ATTEMPTS: int(1, 30).default(15),
  WEBHOOK_BACKOFF_MS: int(10, 3_600_000).default(5_000),
  BUDGET_CHECK_INTERVAL_MS: int(1_000, 86_400_000).default(300_000),
  SCHEDULE_MIN_INTERVAL_SECONDS: int(1, 86_400).default(300),
  ANOMALY_CHECK_CRON: z.string().regex(/^\S+( \S+){4,5}$/, 'a cron expression of 5 (or 6, seconds first) fields').default('15 0 * * *'),

  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  ADMIN_SESSION_TTL_SECONDS: int(60, 86_400).default(900),
  OTEL_SERVICE_NAME: z.string().min(1).max(100).optional(),
  OTEL_TRACES_EXPORTER: list.default([]),
  OTEL_EXPORTER_OTLP_ENDPOINT: url(/^https?$/).optional(),
});

export type RawConfig = z.infer<typeof configSchema>;

/** One line per variable for the README table: [name, default, meaning]. */
export const CONFIG_DOCS: ReadonlyArray<readonly [keyof RawConfig, string, string]> = [
  ['NODE_ENV', 'development', '`production` turns on the strict checks (JWT_SECRET required, dev login off)'],
  ['LOG_LEVEL', 'info', 'winston level: error, warn, info, http, debug'],
  ['LOG_FORMAT', 'auto', '`pretty` (one coloured, human-readable line per entry), `json` (one JSON object per line), or `auto`: pretty when stdout is a terminal, JSON otherwise'],
  ['HOST', '0.0.0.0', 'interface the gateway listens on'],
  ['PORT', '3000', 'gateway HTTP + WebSocket port'],
  ['PUBLIC_URL', '—', 'external URL of the gateway, used in logs and docs'],
  ['DATABASE_URL', 'postgresql://postgres@127.0.0.1:5432/netra', 'PostgreSQL; the database is created by `db:migrate` if missing'],
  ['DATABASE_POOL_SIZE', '10', 'connections per process'],
  ['DATABASE_PREPARED_STATEMENTS', 'true', 'prepare each statement once per connection (~40 % less time per query); `false` behind PgBouncer in transaction mode before 1.21'],
  ['REDIS_URL', 'redis://127.0.0.1:6379', 'Redis for the queue, run events and caches'],
  ['REDIS_PREFIX', 'netra', 'prefix of every Redis key, channel and queue (isolates stacks sharing a Redis)'],
  ['JWT_SECRET', 'dev secret (warns)', 'HS256 secret, ≥ 32 chars; required in production unless JWT_JWKS_URL is set'],
  ['JWT_JWKS_URL', '—', 'JWKS endpoint for RS256/ES256 tokens from your identity provider'],
  ['JWT_ISSUER', '—', 'expected `iss`, checked when set'],
  ['JWT_AUDIENCE', '—', 'expected `aud`, checked when set'],
  ['JWT_CLOCK_TOLERANCE_SECONDS', '30', 'allowed clock skew for `exp`/`nbf`/`iat` (at most 30 s)'],
  ['JWT_JWKS_COOLDOWN_MS', '30000', 'least time between two JWKS fetches; a token with an unknown `kid` refetches the keys (rotation) at most this often'],
  ['JWT_TTL_SECONDS', '3600', 'lifetime of development tokens'],
  ['AUTH_DEV_LOGIN', 'true outside production', 'enables `POST /api/v1/auth/dev-token`'],
  ['CORS_ORIGINS', '—', 'comma-separated browser origins allowed for CORS and WebSocket upgrades'],
  ['TRUST_PROXY', 'false', 'proxies trusted for X-Forwarded-For/-Proto: `false`, a hop count, or addresses/CIDRs (`loopback`, `10.0.0.0/8`, …); never `true`'],
  ['HSTS_MAX_AGE_SECONDS', '15552000', '`Strict-Transport-Security` max-age, sent only on requests that came over TLS; 0 turns it off'],
  ['RATE_LIMIT_IP_REQUESTS', '3000/60', 'HTTP API requests per client IP (`points/seconds` or `off`), shared by all gateways through Redis'],
  ['RATE_LIMIT_USER_REQUESTS', '1200/60', 'HTTP API requests plus WebSocket frames per user'],
  ['RATE_LIMIT_IP_UPGRADES', '120/60', 'WebSocket upgrades per client IP'],
  ['RATE_LIMIT_USER_MESSAGES', '120/60', 'messages (WS `user_message`, HTTP `POST …/messages`) per user'],
  ['RATE_LIMIT_IP_AUTH_FAILURES', '30/300', 'failed authentications per client IP; past it every auth attempt from that IP gets 429 until the window ends'],
  ['RATE_LIMIT_LEASE', '1000000', 'most points of a per-user budget (requests, messages) a gateway takes from Redis in one call and spends locally; a block is never more than 1/40 of the budget, so this cap matters only above 40,000,000 points a window; 1 = one Redis call per request (see docs/SECURITY.md)'],
  ['WORKERS', '1', 'worker processes started by `npm start`'],
  ['WORKER_CONCURRENCY', '8', 'runs processed at once by one worker process'],
  ['WORKER_HTTP_PORT', '9464', 'worker health/metrics port (`npm start` gives worker i the port + i)'],
  ['QUEUE_MAX_WAITING', '10000', 'waiting jobs beyond which new messages get `overloaded`'],
  ['RUN_MAX_ATTEMPTS', '3', 'times a run is tried after crashes before it ends `failed`'],
  ['RUN_LOCK_MS', '30000', 'BullMQ lock on a running job; the fallback if heartbeats are lost (a crashed worker is normally detected by `WORKER_HEARTBEAT_TTL_MS`)'],
  ['WORKER_HEARTBEAT_TTL_MS', '2500', 'a worker whose heartbeat is this old counts as dead: its runs are taken over by others within about this + 2.5 s'],
  ['READY_MIN_WORKERS', '0', 'the gateway\'s `/health/ready` is 503 while fewer live workers of this stack beat (`npm start` sets 1: its own worker); 0 = workers are informational'],
  ['DATABASE_OUTAGE_WAIT_MS', '120000', 'how long a run waits for PostgreSQL to come back (it then resumes from its checkpoint) before the outage spends one of its attempts'],
  ['SHUTDOWN_GRACE_MS', '10000', 'how long SIGTERM waits for sockets/jobs to finish'],
  ['GATEWAY_SEMI_SPACE_MB', '8', 'the gateway process\'s V8 young generation, fixed at this many MB per semi-space (node flags `--min-semi-space-size`/`--max-semi-space-size`, passed by `npm start`, `npm run gateway` and the Docker image; a gateway started by plain `node` without them warns). Costs up to ~2× this in RSS; 0 = V8\'s own sizing, which shrinks it to 1 MB while the gateway idles and never grows it back under frame traffic (a scavenge every ~1 MB allocated; see docs/BENCHMARKS.md, 2026-12-04 fourth session)'],
  ['WS_MAX_SOCKETS_PER_USER', '10', 'open sockets per user'],
  ['WS_HEARTBEAT_MS', '30000', 'ping interval; a socket that misses one pong is closed'],
  ['WS_MAX_PAYLOAD_BYTES', '262144', 'largest WebSocket frame accepted'],
  ['WS_MAX_BUFFERED_BYTES', '8388608', 'unsent bytes a socket (or SSE stream) may hold before it is closed as a slow consumer (4008; it resumes with `subscribe {after}`, SSE with `Last-Event-ID`)'],
  ['WS_TICKET_TTL_MS', '30000', 'lifetime of a single-use browser WebSocket ticket (at most 30 s)'],
  ['EVENT_RETENTION_SECONDS', '604800', 'how long a thread\'s event log is kept for resume after its last event'],
  ['EVENT_LOG_MAXLEN', '10000', 'events kept per thread for resume'],
  ['LLM_PROVIDER', 'local', '`local` (deterministic, offline) or `openai` (any OpenAI-compatible server)'],
  ['LLM_BASE_URL', '—', 'base URL of the OpenAI-compatible server'],
  ['LLM_API_KEY', '—', 'API key for the provider'],
  ['LLM_MODELS', '—', 'comma-separated fallback chain of models, first is preferred'],
  ['LLM_TIMEOUT_MS', '30000', 'timeout of one LLM attempt (streaming included)'],
  ['LLM_MAX_RETRIES', '2', 'retries of one model on 429/5xx/timeouts/network errors before the next model of the chain'],
  ['LLM_CACHE_TTL_SECONDS', '86400', 'lifetime of cached LLM answers in Redis; 0 turns the cache off'],
  ['USAGE_DIMENSIONS', 'team,user,feature', 'usage-event `metadata` keys rolled up per day like `app` (≤ 10); after a change, queue the days to roll up again (docs/ANALYTICS.md)'],
  ['LLM_BREAKER_RESET_MS', '30000', 'how long an opened circuit breaker waits before a half-open probe'],
  ['LLM_LOCAL_DELAY_MS', '0', 'simulated model latency of the `local` provider per call (demos, load and fault tests)'],
  ['RECONCILE_INTERVAL_MS', '5000', 'how often a worker repairs runs left behind by crashes or a Redis data loss'],
  ['WEBHOOK_ALLOW_PRIVATE', 'false', 'let webhook URLs resolve to loopback, private, link-local or metadata addresses (refused otherwise: SSRF); for tests and closed networks only'],
  ['WEBHOOK_TIMEOUT_MS', '10000', 'time allowed to one webhook delivery attempt (connect, send, answer)'],
  ['WEBHOOK_MAX_ATTEMPTS', '15', 'attempts of a webhook delivery before it is dead-lettered'],
  ['WEBHOOK_BACKOFF_MS', '5000', 'first gap between delivery attempts, doubling each time (15 attempts span about 23 hours)'],
  ['BUDGET_CHECK_INTERVAL_MS', '300000', 'how often the workers evaluate every budget besides after each ingest (catches forecasts as time passes)'],
  ['SCHEDULE_MIN_INTERVAL_SECONDS', '300', 'schedules (`POST /api/v1/schedules`) may not fire more often than this; each slot is a full run'],
  ['ANOMALY_CHECK_CRON', '15 0 * * *', 'when (UTC cron) the workers look for anomalies per app and model on the days just closed'],
  ['METRICS_TOKEN', '—', 'when set, `/metrics` of the gateway and the workers requires `Authorization: Bearer <token>`'],
  ['ADMIN_SESSION_TTL_SECONDS', '900', 'lifetime of the admin cookie that opens Bull Board (`POST /api/v1/admin/session`)'],
  ['OTEL_SERVICE_NAME', 'netra-gateway / netra-worker', 'OpenTelemetry `service.name` of the process'],
  ['OTEL_TRACES_EXPORTER', '—', 'OpenTelemetry trace exporter (`otlp`, `console`, `none`); setting it turns tracing on'],
  ['OTEL_EXPORTER_OTLP_ENDPOINT', '—', 'OTLP collector URL (e.g. `http://otel-collector:4318`); setting it turns tracing on. Other standard `OTEL_*` variables go to the SDK as they are'],
];

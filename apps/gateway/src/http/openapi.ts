import { OpenAPIRegistry, OpenApiGeneratorV31, zodToOpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import * as C from '@netra/contracts';

/**
 * Names a contract schema as a component (`#/components/schemas/<id>`) without copying it: `registry.register`
 * would return a renamed copy, which the contracts that embed the original would not reference. The ref id goes
 * into zod-to-openapi's metadata registry for this very instance, so every schema embedding it gets a `$ref`.
 */
function named<T extends z.ZodType>(id: string, schema: T): T {
  if (!zodToOpenAPIRegistry.has(schema)) zodToOpenAPIRegistry.add(schema, { _internal: { refId: id } });
  return schema;
}

/**
 * The OpenAPI 3.1 document of the gateway, generated from the zod contracts the handlers parse with — the
 * schemas here ARE the validation, so the document cannot drift from what the API accepts. A test walks the
 * express app and fails when a route is missing here (or documented but not served).
 */
export function buildOpenApi(options: { version: string; serverUrl?: string }): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A JWT (HS256 with JWT_SECRET, or RS256/ES256 from JWT_JWKS_URL); `sub` is the user id, `roles` may contain `admin`.',
  });
  const adminCookie = registry.registerComponent('securitySchemes', 'adminCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: 'netra_admin',
    description: 'Short-lived admin browser session for `/admin/*` (from `POST /api/v1/admin/session`).',
  });
  const metricsToken = registry.registerComponent('securitySchemes', 'metricsToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'METRICS_TOKEN, required on /metrics only when configured.',
  });
  const user = [{ [bearer.name]: [] }];
  const admin = [{ [bearer.name]: [] }];

  // Named components (referenced, not repeated).
  const ErrorBody = named('Error', C.ErrorBody);
  const Thread = named('Thread', C.Thread);
  named('Message', C.Message);
  const Run = named('Run', C.Run);
  const RunEvent = named('RunEvent', C.RunEvent);
  named('Report', C.Report);
  const Health = named('Health', C.Health);
  const ModelEntry = named('ModelCatalogEntry', C.ModelCatalogEntry);
  const ModelChange = named('ModelChangeResult', C.ModelChangeResult);
  const UsageSummary = named('UsageSummary', C.UsageSummary);
  const IngestResult = named('IngestResult', C.IngestResult);

  const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
  const errors = (...statuses: number[]) =>
    Object.fromEntries(
      statuses.map((s) => [s, json(ErrorBody, { 400: 'Invalid input', 401: 'Missing or invalid credentials', 403: 'Not allowed (e.g. not an admin)', 404: 'Not found (or not yours)', 409: 'Conflict', 413: 'Body too large', 415: 'Unsupported media type', 429: 'Rate limited', 503: 'Unavailable or overloaded; retry after `Retry-After`' }[s] ?? 'Error')]),
    );
  const path = (route: RouteConfig) => registry.registerPath(route);
  const idParams = { params: C.IdParams };

  // ---- operations (no auth) --------------------------------------------------------------------------------
  path({ method: 'get', path: '/health/live', tags: ['operations'], summary: 'Liveness: the process is up', responses: { 200: json(C.Liveness, 'Alive') } });
  path({
    method: 'get',
    path: '/health/ready',
    tags: ['operations'],
    summary: 'Readiness: each dependency with its latency, and the worker fleet',
    description: 'Postgres, Redis and the queue are checked in parallel (2 s timeout each); `workers` lists the worker processes the queue sees. 503 when any dependency is down or the gateway is shutting down.',
    responses: { 200: json(Health, 'Ready'), 503: json(Health, 'Not ready') },
  });
  path({
    method: 'get',
    path: '/metrics',
    tags: ['operations'],
    summary: 'Prometheus metrics (text exposition format)',
    security: [{}, { [metricsToken.name]: [] }],
    responses: { 200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } }, ...errors(401) },
  });
  path({ method: 'get', path: '/api/openapi.json', tags: ['operations'], summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } } } });
  path({ method: 'get', path: '/api/docs', tags: ['operations'], summary: 'Interactive API documentation (Swagger UI, served from this origin)', responses: { 200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } } } });

  // ---- admin browser pages ---------------------------------------------------------------------------------
  path({
    method: 'get',
    path: '/admin/queues',
    tags: ['admin'],
    summary: 'Bull Board: the agent-runs queue (retry, clean, inspect jobs)',
    description: 'Needs the `netra_admin` cookie or an admin bearer token. A browser without a session is redirected to `/admin/login`. Bull Board\'s own JSON API lives below this path.',
    security: [{ [adminCookie.name]: [] }, ...admin],
    responses: { 200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } }, 302: { description: 'To the login page' }, ...errors(401, 403) },
  });
  path({ method: 'get', path: '/admin/login', tags: ['admin'], summary: 'Admin sign-in page (exchanges a bearer token for the admin cookie)', responses: { 200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } } } });
  path({ method: 'get', path: '/admin/login.js', tags: ['admin'], summary: 'Script of the sign-in page', responses: { 200: { description: 'JavaScript', content: { 'application/javascript': { schema: z.string() } } } } });
  path({ method: 'post', path: '/admin/logout', tags: ['admin'], summary: 'Ends the admin browser session', responses: { 204: { description: 'Signed out' } } });

  // ---- /api/v1 ---------------------------------------------------------------------------------------------
  const v1 = (route: RouteConfig) => path({ ...route, path: `/api/v1${route.path}` });

  v1({ method: 'get', path: '/public-config', tags: ['auth'], summary: 'What a client needs before sign-in (is development login on?)', responses: { 200: json(C.PublicConfig, 'Public settings') } });
  v1({
    method: 'post',
    path: '/auth/dev-token',
    tags: ['auth'],
    summary: 'Development sign-in (AUTH_DEV_LOGIN)',
    request: { body: { content: { 'application/json': { schema: C.DevTokenBody } } } },
    responses: { 201: json(C.TokenResponse, 'A JWT'), ...errors(400, 403) },
  });
  v1({ method: 'post', path: '/ws-tickets', tags: ['auth'], summary: 'Single-use ticket for `/ws?ticket=…` (browsers)', security: user, responses: { 201: json(C.WsTicketResponse, 'Ticket (valid ≤ 30 s, once)'), ...errors(401) } });

  v1({ method: 'post', path: '/threads', tags: ['threads'], summary: 'Create a thread', security: user, request: { body: { content: { 'application/json': { schema: C.CreateThreadBody } } } }, responses: { 201: json(Thread, 'Created'), ...errors(400, 401) } });
  v1({ method: 'get', path: '/threads', tags: ['threads'], summary: 'Own threads, newest first (cursor-paginated)', security: user, request: { query: C.ListThreadsQuery }, responses: { 200: json(C.ThreadPage, 'A page'), ...errors(400, 401) } });
  v1({ method: 'get', path: '/threads/{id}', tags: ['threads'], summary: 'A thread', security: user, request: idParams, responses: { 200: json(Thread, 'The thread'), ...errors(401, 404) } });
  v1({ method: 'patch', path: '/threads/{id}', tags: ['threads'], summary: 'Rename / archive / restore', security: user, request: { ...idParams, body: { content: { 'application/json': { schema: C.UpdateThreadBody } } } }, responses: { 200: json(Thread, 'Updated'), ...errors(400, 401, 404) } });
  v1({ method: 'delete', path: '/threads/{id}', tags: ['threads'], summary: 'Archive a thread', security: user, request: idParams, responses: { 200: json(Thread, 'Archived'), ...errors(401, 404) } });
  v1({ method: 'get', path: '/threads/{id}/messages', tags: ['threads'], summary: 'History (cursor-paginated)', security: user, request: { ...idParams, query: C.ListMessagesQuery }, responses: { 200: json(C.MessagePage, 'A page'), ...errors(400, 401, 404) } });
  v1({ method: 'get', path: '/threads/{id}/runs', tags: ['threads'], summary: "The thread's runs, newest first (cursor-paginated; reports and steps via GET /runs/{id})", security: user, request: { ...idParams, query: C.ListRunsQuery }, responses: { 200: json(C.RunPage, 'A page'), ...errors(400, 401, 404) } });
  v1({
    method: 'post',
    path: '/threads/{id}/messages',
    tags: ['threads'],
    summary: 'Send a message (same as the WS `user_message`); starts a run',
    description: 'Idempotent per `clientMessageId` (or the `Idempotency-Key` header): the same id again returns the same ids and creates nothing.',
    security: user,
    request: { ...idParams, headers: z.object({ 'idempotency-key': z.string().max(64).optional() }), body: { content: { 'application/json': { schema: C.PostMessageBody } } } },
    responses: { 202: json(C.MessageAccepted, 'Accepted; follow the run'), ...errors(400, 401, 404, 409, 429, 503) },
  });

  v1({ method: 'get', path: '/runs/{id}', tags: ['runs'], summary: 'Run status, steps, timings and report', security: user, request: idParams, responses: { 200: json(Run, 'The run'), ...errors(401, 404) } });
  v1({ method: 'post', path: '/runs/{id}/cancel', tags: ['runs'], summary: 'Cancel a queued or running run', security: user, request: idParams, responses: { 200: json(C.CancelResult, 'Outcome'), ...errors(401, 404) } });
  v1({
    method: 'get',
    path: '/runs/{id}/events',
    tags: ['runs'],
    summary: "Replay a run's events (JSON), or follow them live (`Accept: text/event-stream`)",
    security: user,
    request: { ...idParams, query: C.RunEventsQuery, headers: z.object({ 'last-event-id': C.EventId.optional() }) },
    responses: {
      200: {
        description: 'Events after `after`, oldest first',
        content: { 'application/json': { schema: z.object({ data: z.array(RunEvent) }) }, 'text/event-stream': { schema: z.string() } },
      },
      ...errors(400, 401, 404),
    },
  });

  v1({ method: 'post', path: '/usage-events', tags: ['usage'], summary: 'Ingest a batch of usage events (≤ 5,000)', security: user, request: { body: { content: { 'application/json': { schema: C.IngestUsageBody } } } }, responses: { 200: json(IngestResult, 'Counts and rejections'), ...errors(400, 401, 413) } });
  v1({
    method: 'post',
    path: '/usage-events/import',
    tags: ['usage'],
    summary: 'Stream a JSONL or CSV file of any size (optionally gzip)',
    security: user,
    request: {
      query: z.object({ format: z.enum(['jsonl', 'ndjson', 'csv']).optional() }),
      body: { content: { 'application/x-ndjson': { schema: z.string() }, 'text/csv': { schema: z.string() } } },
    },
    responses: {
      200: { description: 'Result (JSON), or progress lines then the result (`Accept: application/x-ndjson`)', content: { 'application/json': { schema: C.ImportResult }, 'application/x-ndjson': { schema: C.ImportStreamLine } } },
      ...errors(400, 401, 415),
    },
  });
  v1({ method: 'post', path: '/usage-events/synthetic', tags: ['usage'], summary: 'Generate a deterministic demo workload', security: user, request: { body: { content: { 'application/json': { schema: C.SyntheticUsageBody } } } }, responses: { 201: json(C.SyntheticUsageResult, 'Generated'), ...errors(400, 401) } });
  v1({ method: 'get', path: '/usage/summary', tags: ['usage'], summary: 'Cost, tokens, latency percentiles and error rate by model, app and day', security: user, request: { query: C.UsageSummaryQuery }, responses: { 200: json(UsageSummary, 'Summary'), ...errors(400, 401) } });

  v1({ method: 'get', path: '/models', tags: ['models'], summary: 'The model catalog', security: user, responses: { 200: json(C.ModelList, 'Models'), ...errors(401) } });
  v1({ method: 'post', path: '/models', tags: ['models'], summary: 'Add a model (admin)', security: admin, request: { body: { content: { 'application/json': { schema: C.CreateModelBody } } } }, responses: { 201: json(ModelChange, 'Added, with the events it repriced'), ...errors(400, 401, 403, 409) } });
  v1({ method: 'patch', path: '/models/{id}', tags: ['models'], summary: 'Correct a model (admin)', security: admin, request: { ...idParams, body: { content: { 'application/json': { schema: C.UpdateModelBody } } } }, responses: { 200: json(ModelChange, 'Updated, with the events it repriced'), ...errors(400, 401, 403, 404, 409) } });

  // ---- /api/v1 webhooks, budgets, alerts (issue 15) ----------------------------------------------------------
  const Webhook = named('Webhook', C.Webhook);
  const Budget = named('Budget', C.Budget);
  named('Alert', C.Alert);
  named('WebhookPayload', C.WebhookPayload);
  const body = (schema: z.ZodType) => ({ body: { content: { 'application/json': { schema } } } });
  v1({
    method: 'post',
    path: '/webhooks',
    tags: ['webhooks'],
    summary: 'Register a webhook; the answer carries its signing secret, shown only this once',
    description:
      'Deliveries are `POST`s of `WebhookPayload` (`{id, type, createdAt, data}`) with `Netra-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, retried with exponential backoff on non-2xx answers and timeouts (WEBHOOK_MAX_ATTEMPTS, about a day by default), then dead-lettered. URLs that resolve to loopback, private, link-local or metadata addresses are refused unless WEBHOOK_ALLOW_PRIVATE=true; redirects are not followed.',
    security: user,
    request: body(C.CreateWebhookBody),
    responses: { 201: json(C.WebhookCreated, 'Created (with `secret`)'), ...errors(400, 401) },
  });
  v1({ method: 'get', path: '/webhooks', tags: ['webhooks'], summary: 'Own webhooks, newest first', security: user, responses: { 200: json(C.WebhookList, 'Webhooks'), ...errors(401) } });
  v1({ method: 'get', path: '/webhooks/{id}', tags: ['webhooks'], summary: 'A webhook', security: user, request: idParams, responses: { 200: json(Webhook, 'The webhook'), ...errors(401, 404) } });
  v1({ method: 'patch', path: '/webhooks/{id}', tags: ['webhooks'], summary: 'Change the URL, events, description, or disable it', security: user, request: { ...idParams, ...body(C.UpdateWebhookBody) }, responses: { 200: json(Webhook, 'Updated'), ...errors(400, 401, 404) } });
  v1({ method: 'delete', path: '/webhooks/{id}', tags: ['webhooks'], summary: 'Delete a webhook and its delivery log (queued deliveries are dropped)', security: user, request: idParams, responses: { 200: json(Webhook, 'Deleted'), ...errors(401, 404) } });
  v1({ method: 'get', path: '/webhooks/{id}/deliveries', tags: ['webhooks'], summary: 'The delivery log: every attempt with status, HTTP status, latency and error, newest first', security: user, request: { ...idParams, query: C.ListDeliveriesQuery }, responses: { 200: json(C.WebhookDeliveryList, 'Attempts'), ...errors(400, 401, 404) } });
  v1({ method: 'post', path: '/webhooks/{id}/ping', tags: ['webhooks'], summary: 'Send a signed `webhook.ping` delivery (logged and retried like any other)', security: user, request: idParams, responses: { 202: json(C.PingResult, 'Queued'), ...errors(401, 404) } });

  v1({
    method: 'post',
    path: '/budgets',
    tags: ['budgets'],
    summary: 'Create a budget on a UTC day, ISO week or month',
    description:
      'Evaluated from the daily rollups after every ingest and every BUDGET_CHECK_INTERVAL_MS. Each threshold raises `budget.threshold_crossed` once per period; a forecast over the amount raises `budget.forecast_exceeded` once per period. Alerts are stored (`GET /alerts`), pushed to the user\'s sockets as a `notification` frame and sent to webhooks.',
    security: user,
    request: body(C.CreateBudgetBody),
    responses: { 201: json(Budget, 'Created, with its current status'), ...errors(400, 401) },
  });
  v1({ method: 'get', path: '/budgets', tags: ['budgets'], summary: 'Own budgets with spend, forecast and daily spend of the current period', security: user, responses: { 200: json(C.BudgetList, 'Budgets'), ...errors(401) } });
  v1({ method: 'get', path: '/budgets/{id}', tags: ['budgets'], summary: 'A budget and its current status', security: user, request: idParams, responses: { 200: json(Budget, 'The budget'), ...errors(401, 404) } });
  v1({ method: 'patch', path: '/budgets/{id}', tags: ['budgets'], summary: 'Change a budget (applies from the next evaluation)', security: user, request: { ...idParams, ...body(C.UpdateBudgetBody) }, responses: { 200: json(Budget, 'Updated'), ...errors(400, 401, 404) } });
  v1({ method: 'delete', path: '/budgets/{id}', tags: ['budgets'], summary: 'Delete a budget (its alerts stay, with `budgetId: null`)', security: user, request: idParams, responses: { 200: json(Budget, 'Deleted'), ...errors(401, 404) } });
  const Schedule = named('Schedule', C.Schedule);
  v1({
    method: 'post',
    path: '/schedules',
    tags: ['schedules'],
    summary: 'Ask a question on a cron schedule; each report is posted into a thread of the user\'s',
    description:
      'A BullMQ job scheduler per schedule (cron with 5 fields, or 6 with seconds first, in `timezone`). Each slot runs exactly once across any number of workers and restarts: its question is a user message whose client id names the slot. Without `threadId` a new thread is created. `schedule.report_ready` webhooks carry the report\'s headline figures and a link. Schedules firing more often than SCHEDULE_MIN_INTERVAL_SECONDS are refused.',
    security: user,
    request: body(C.CreateScheduleBody),
    responses: { 201: json(Schedule, 'Created'), ...errors(400, 401, 404) },
  });
  v1({ method: 'get', path: '/schedules', tags: ['schedules'], summary: 'Own schedules with their next run', security: user, responses: { 200: json(C.ScheduleList, 'Schedules'), ...errors(401) } });
  v1({ method: 'delete', path: '/schedules/{id}', tags: ['schedules'], summary: 'Stop and delete a schedule (its thread and reports stay)', security: user, request: idParams, responses: { 200: json(Schedule, 'Deleted'), ...errors(401, 404) } });
  v1({ method: 'get', path: '/recommendations', tags: ['recommendations'], summary: "Recommendations of the user's completed reports, with stable ids", security: user, responses: { 200: json(C.RecommendationList, 'Recommendations'), ...errors(401) } });
  v1({
    method: 'post',
    path: '/recommendations/{id}/adopt',
    tags: ['recommendations'],
    summary: 'Record that the change went live (when, for which apps/models); 409 when adopted already',
    security: user,
    request: { ...idParams, ...body(C.AdoptRecommendationBody) },
    responses: { 200: json(C.StoredRecommendation, 'Adopted'), ...errors(400, 401, 404, 409) },
  });
  v1({
    method: 'get',
    path: '/recommendations/{id}/outcome',
    tags: ['recommendations'],
    summary: 'Realized vs predicted savings of an adopted recommendation',
    description:
      'From the daily rollups of the scope: the report window\'s days before the adoption day against the closed days after it — cost per request, p95 latency, error rate. Realized monthly savings = (cost per request before − after) × requests per day after × 30 (normalised for volume). `worse` (cost per request +5 %, p95 +20 % or error rate +2 points) comes with the rollback step and raises `recommendation.regressed`. 409 until adopted.',
    security: user,
    request: idParams,
    responses: { 200: json(C.RecommendationOutcome, 'Outcome'), ...errors(401, 404, 409) },
  });
  v1({ method: 'get', path: '/alerts', tags: ['budgets'], summary: 'Alerts raised for the user, newest first', security: user, request: { query: C.ListAlertsQuery }, responses: { 200: json(C.AlertList, 'Alerts'), ...errors(400, 401) } });

  // ---- /api/v1/admin ---------------------------------------------------------------------------------------
  const a = (route: RouteConfig) => v1({ ...route, tags: ['admin'], security: admin, responses: { ...route.responses, ...errors(401, 403) } });
  a({ method: 'post', path: '/admin/session', summary: 'Admin browser session: sets the `netra_admin` cookie (HttpOnly, SameSite=Strict, path /admin) for Bull Board', responses: { 201: json(C.AdminSession, 'Cookie set') } });
  a({ method: 'get', path: '/admin/queue', summary: 'Queue counts by state and the workers connected to it', responses: { 200: json(C.QueueOverview, 'Overview') } });
  a({ method: 'get', path: '/admin/queue/failed', summary: 'Failed jobs (ids only, never prompts)', request: { query: C.FailedJobsQuery }, responses: { 200: json(C.AdminJobList, 'A page'), ...errors(400) } });
  a({ method: 'post', path: '/admin/queue/jobs/{jobId}/retry', summary: 'Retry a failed job', request: { params: C.JobIdParams }, responses: { 200: json(C.JobActionResult, 'Retried'), ...errors(404, 409) } });
  a({ method: 'delete', path: '/admin/queue/jobs/{jobId}', summary: 'Remove a job that is not running', request: { params: C.JobIdParams }, responses: { 200: json(C.JobActionResult, 'Removed'), ...errors(404, 409) } });
  a({ method: 'get', path: '/admin/runs/active', summary: 'Queued and running runs, oldest first, with the agent running now', request: { query: C.ActiveRunsQuery }, responses: { 200: json(C.ActiveRunList, 'Runs'), ...errors(400) } });
  a({ method: 'get', path: '/admin/llm/cache', summary: 'LLM response cache: entries and fleet-wide hits/misses', responses: { 200: json(C.LlmCacheStats, 'Stats') } });
  a({ method: 'delete', path: '/admin/llm/cache', summary: 'Clear the LLM response cache', responses: { 200: json(C.LlmCacheCleared, 'Cleared') } });
  a({ method: 'get', path: '/admin/llm/breakers', summary: "Each worker's circuit breakers per provider+model", responses: { 200: json(C.BreakerReport, 'States') } });
  a({ method: 'post', path: '/admin/llm/breakers/close', summary: 'Force-close a breaker on every worker', request: { body: { content: { 'application/json': { schema: C.ForceCloseBreakerBody } } } }, responses: { 200: json(C.ForceCloseResult, 'Sent'), ...errors(400) } });

  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Netra API',
      version: options.version,
      description:
        'HTTP API of the Netra gateway. The WebSocket protocol (`/ws`) is described in docs/PROTOCOL.md. Errors are `{ "error": { "code", "message", "details"? } }`.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags: ['operations', 'auth', 'threads', 'runs', 'usage', 'models', 'webhooks', 'budgets', 'schedules', 'recommendations', 'admin'].map((name) => ({ name })),
  });
}

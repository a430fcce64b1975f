import { z } from 'zod';
import { ErrorCode } from './errors.js';
import { RunEvent } from './events.js';
import { ClientFrame, ServerFrame, WsCloseCode } from './ws.js';

/**
 * Renders docs/PROTOCOL.md from the zod schemas of the WebSocket frames, so the document cannot drift from what
 * the gateway validates: `npm run docs:protocol` writes it, and a unit test fails when the committed file differs.
 * The prose per frame lives here; a frame type without prose fails the generation.
 */

const CLIENT: Record<ClientFrame['type'], string> = {
  user_message:
    'Persists the message and starts a run (or queues it behind the thread\'s active run). Answered by `message_accepted` or `error`. Sending the same `clientMessageId` again returns the same ids and creates nothing. `strategy` decides what happens while the thread is busy: `enqueue` (default) waits, `reject` answers `thread_busy`, `interrupt` cancels the active run.',
  stop_agent: "Cancels the run (queued or running). Answered by the run's `agent_stopped` event, or an `error` (`conflict`) when it already ended.",
  subscribe:
    'Follows the thread: replays every retained event after `after` (an `eventId`; without it, the unfinished runs from their start), then `subscribed`, then live events — each exactly once, in order.',
  ping: 'Answered by `pong` (application-level keep-alive; the server also sends WebSocket pings).',
};

const SERVER: Record<Exclude<ServerFrame['type'], RunEvent['type']>, string> = {
  connection_established: 'First frame on every socket. `userId` is the token\'s subject.',
  message_accepted: 'The message is stored and its run exists. Events of the run follow on this socket.',
  error: 'A frame was refused. `clientMessageId` is echoed when known; `retryAfterMs` comes with `rate_limited` and `overloaded`.',
  pong: 'Answer to `ping`.',
  subscribed: 'The replay of a `subscribe` is complete; live events follow.',
  notification:
    'An alert was raised for the user — `alert.kind` is `budget.threshold_crossed`, `budget.forecast_exceeded`, `anomaly.detected` or `recommendation.regressed`, `alert.message` says it in a sentence and `alert.data` carries the figures (schema `Alert` in the OpenAPI document). Sent to every open socket of the user, whatever thread it follows. Live only, not replayed: `GET /api/v1/alerts` lists them all.',
};

const EVENTS: Record<RunEvent['type'], string> = {
  agent_started: 'A worker started (or, with `attempt` > 1, resumed) the run.',
  sub_agent_update: 'A sub-agent (triage → data → optimization → actions → reporting) is `running`, `completed`, `failed` or `skipped`.',
  agent_token: 'Streamed text of an agent\'s LLM call (throttled: ≥ 50 ms or ≥ 64 characters per event). Optional.',
  tool_call: 'An agent calls a tool (`tool`, `args`); `callId` pairs it with its `tool_result`. Published with the agent\'s completion, in call order.',
  tool_result: 'The tool\'s answer in one line (`summary`), `durationMs`, and whether it succeeded (`ok`).',
  agent_completed: 'Terminal. The assistant message and the report (schema `Report` in the OpenAPI document, `/api/openapi.json`).',
  agent_failed: 'Terminal. The run failed; `error` says why.',
  agent_stopped: 'Terminal. The run was cancelled (stop_agent, `POST /runs/:id/cancel`, or interrupted by a newer message).',
};

type Json = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: Json;
  properties?: Record<string, Json>;
  required?: string[];
  anyOf?: Json[];
  oneOf?: Json[];
};

function describeType(s: Json): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return alternatives.map(describeType).join(' \\| ');
  const type = Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
  const notes: string[] = [];
  if (s.format) notes.push(s.format === 'uuid' ? 'UUID' : s.format);
  if (s.minLength !== undefined || s.maxLength !== undefined) notes.push(`${s.minLength ?? 0}..${s.maxLength ?? '∞'} chars`);
  // A format (uuid, date-time) says it better than its regex; pipes would also break the table.
  if (s.pattern && !s.format) notes.push(s.pattern === '^\\d{16}$' ? 'eventId: 16 digits' : `\`${s.pattern.replaceAll('|', '\\|')}\``);
  // Zod's safe-integer bounds of `.int()` are noise for a reader.
  if (s.minimum !== undefined && s.minimum > -Number.MAX_SAFE_INTEGER) notes.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) notes.push(`≤ ${s.maximum}`);
  if (type === 'array' && s.items) return `array of ${describeType(s.items)}`;
  if (type === 'object' && s.properties) return `object {${Object.keys(s.properties).join(', ')}}`;
  return notes.length > 0 ? `${type} (${notes.join(', ')})` : type;
}

function table(schema: z.ZodType, io: 'input' | 'output'): string {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  const rows = Object.entries(json.properties ?? {}).filter(([name]) => name !== 'type');
  if (rows.length === 0) return '_No fields besides `type`._\n';
  const required = new Set(json.required ?? []);
  return [
    '| field | type | required |',
    '|---|---|---|',
    ...rows.map(([name, s]) => `| \`${name}\` | ${describeType(s)} | ${required.has(name) ? 'yes' : 'no'} |`),
  ].join('\n') + '\n';
}

function section(options: readonly z.ZodType[], prose: Record<string, string>, io: 'input' | 'output'): string {
  const out: string[] = [];
  // The server's union also holds the run-event union, documented in its own section.
  for (const option of options.filter((o): o is z.ZodObject => o instanceof z.ZodObject)) {
    const literal = option.shape.type as z.ZodLiteral<string> | undefined;
    const type = literal?.value;
    if (type === undefined) continue;
    const text = prose[type];
    if (text === undefined) throw new Error(`PROTOCOL.md: no description for frame type "${type}"`);
    out.push(`### \`${type}\`\n\n${text}\n\n${table(option, io)}`);
  }
  return out.join('\n');
}

export function renderProtocol(): string {
  return `# Netra WebSocket protocol (v1)

<!-- Generated from packages/contracts (ws.ts, events.ts, errors.ts) by \`npm run docs:protocol\`. Do not edit by hand:
     a unit test fails when this file and the schemas disagree. -->

Connect to \`/ws\` with \`Authorization: Bearer <JWT>\`, or — browsers, which cannot set headers on a WebSocket — with a
single-use ticket: \`POST /api/v1/ws-tickets\` (Bearer), then \`/ws?ticket=<ticket>\` within 30 s. A token in the query
string is refused. A failed authentication refuses the upgrade with HTTP 401 before any socket exists; a browser
\`Origin\` must be the gateway's own or listed in \`CORS_ORIGINS\`.

Every frame is a JSON text frame \`{ "type": …, … }\`, validated against the schemas below; an invalid frame gets an
\`error\` frame with \`code: "invalid_message"\` and the validation issues in \`details\`, and the socket stays open.
Frames of one socket are handled in the order they were sent.

## Client → server

${section(ClientFrame.options, CLIENT, 'input')}
## Server → client

${section(ServerFrame.options, SERVER, 'output')}
## Run events

Every run event carries \`eventId\`, \`runId\`, \`threadId\` and \`ts\`. \`eventId\`s are the event's position in its
thread's log: 16 zero-padded digits, strictly increasing within a thread, so string order is event order — keep the
last one and \`subscribe\` with it as \`after\` to resume without gaps or duplicates. A run ends with exactly one of
\`agent_completed\`, \`agent_failed\`, \`agent_stopped\`.

${section(RunEvent.options, EVENTS, 'output')}
## Error codes

${ErrorCode.options.map((c) => `\`${c}\``).join(', ')}.

## Close codes

| code | meaning |
|---|---|
${Object.entries(WsCloseCode)
  .map(([name, code]) => `| ${code} | ${name} |`)
  .join('\n')}
`;
}

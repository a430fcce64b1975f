import { z } from 'zod';
import { AgentName, EventId, IsoDateTime, StepStatus, Uuid } from './common.js';
import { Report } from './report.js';

const base = {
  eventId: EventId,
  runId: Uuid,
  threadId: Uuid,
  ts: IsoDateTime,
};

export const AgentStartedEvent = z.object({
  type: z.literal('agent_started'),
  ...base,
  /** The user message that started the run. */
  messageId: Uuid,
  attempt: z.number().int().positive(),
});

export const SubAgentUpdateEvent = z.object({
  type: z.literal('sub_agent_update'),
  ...base,
  agent: AgentName,
  status: StepStatus,
  summary: z.string().optional(),
  durationMs: z.number().int().nonnegative().optional(),
});

export const AgentTokenEvent = z.object({
  type: z.literal('agent_token'),
  ...base,
  agent: AgentName,
  delta: z.string(),
});

/** An agent calls one of its tools (a query over the usage rollups, a simulation…), with its arguments. */
export const ToolCallEvent = z.object({
  type: z.literal('tool_call'),
  ...base,
  agent: AgentName,
  tool: z.string(),
  /** Pairs the call with its `tool_result`: `<agent>:<n>`, unique within the run. */
  callId: z.string(),
  args: z.record(z.string(), z.unknown()),
});

/** What a tool call returned, in one line, and how long it took. */
export const ToolResultEvent = z.object({
  type: z.literal('tool_result'),
  ...base,
  agent: AgentName,
  tool: z.string(),
  callId: z.string(),
  durationMs: z.number().int().nonnegative(),
  summary: z.string(),
  ok: z.boolean(),
});

export const AgentCompletedEvent = z.object({
  type: z.literal('agent_completed'),
  ...base,
  /** The assistant message holding the report. */
  messageId: Uuid,
  report: Report,
});

export const AgentFailedEvent = z.object({
  type: z.literal('agent_failed'),
  ...base,
  error: z.object({ code: z.string(), message: z.string() }),
});

export const AgentStoppedEvent = z.object({
  type: z.literal('agent_stopped'),
  ...base,
  reason: z.string().optional(),
});

/** Everything that happens to a run, in order. Published by whoever changes the run, delivered to its user. */
export const RunEvent = z.discriminatedUnion('type', [
  AgentStartedEvent,
  SubAgentUpdateEvent,
  AgentTokenEvent,
  ToolCallEvent,
  ToolResultEvent,
  AgentCompletedEvent,
  AgentFailedEvent,
  AgentStoppedEvent,
]);
export type RunEvent = z.infer<typeof RunEvent>;
export type RunEventType = RunEvent['type'];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A run event before the event log has assigned its `eventId` and `ts`. */
export type RunEventDraft = DistributiveOmit<RunEvent, 'eventId' | 'ts'>;

/** Events after which nothing more happens to a run. */
export const TERMINAL_EVENT_TYPES = ['agent_completed', 'agent_failed', 'agent_stopped'] as const satisfies readonly RunEventType[];
export function isTerminalEvent(event: { type: string }): boolean {
  return (TERMINAL_EVENT_TYPES as readonly string[]).includes(event.type);
}

/** The routing fields of a run event, all a gateway reads before forwarding the event's JSON as is. */
export const RunEventEnvelope = z.object({
  type: z.enum(['agent_started', 'sub_agent_update', 'agent_token', 'tool_call', 'tool_result', 'agent_completed', 'agent_failed', 'agent_stopped']),
  eventId: EventId,
  runId: Uuid,
  threadId: Uuid,
});
export type RunEventEnvelope = z.infer<typeof RunEventEnvelope>;

import type { z } from 'zod';
import type { AgentName, Report } from '@netra/contracts';
import type { Db } from '@netra/db';
import type { LlmClient } from '@netra/llm';
import type { ActionsOutput, DataOutput, OptimizationOutput, TriageOutput } from './schemas.js';

/** What each sub-agent produces; checkpointed as its RunStep's output. */
export interface AgentOutputs {
  triage: TriageOutput;
  data: DataOutput;
  optimization: OptimizationOutput;
  actions: ActionsOutput;
  reporting: Report;
}

export interface AgentContext {
  runId: string;
  threadId: string;
  /** Internal user id: the workspace whose usage data the tools read. */
  userId: string;
  /** The user's message. */
  request: string;
  /** The report of the thread's previous completed run, for follow-up questions. */
  previousReport: Report | null;
  db: Db;
  llm: LlmClient;
  /** Aborted when the run is cancelled or the worker must stop. */
  signal: AbortSignal;
  /** "Now" for the run, fixed at its start so that a resumed run computes the same window. */
  now: Date;
  /** Outputs of the agents that already ran (restored from checkpoints on a retry). */
  outputs: Partial<AgentOutputs>;
  /** Streams text of an agent's LLM call to the client. */
  onToken?: (agent: AgentName, delta: string) => void;
  /** Observes the agents' tool calls (`tool_call` / `tool_result` run events). */
  onTool?: (event: ToolEvent) => void;
}

/** A tool call or its result, as the run events carry them (without the event's own ids). */
export type ToolEvent =
  | { type: 'tool_call'; agent: AgentName; tool: string; callId: string; args: Record<string, unknown> }
  | { type: 'tool_result'; agent: AgentName; tool: string; callId: string; durationMs: number; summary: string; ok: boolean };

const callCounters = new WeakMap<AgentContext, number>();

/**
 * Runs one tool of an agent and reports it: a `tool_call` with its arguments, then a `tool_result` with a one-line
 * summary of the answer and its duration (or the error, which goes on to the agent).
 */
export async function callTool<T>(ctx: AgentContext, agent: AgentName, tool: string, args: Record<string, unknown>, run: () => Promise<T>, summarize: (result: T) => string): Promise<T> {
  const n = (callCounters.get(ctx) ?? 0) + 1;
  callCounters.set(ctx, n);
  const callId = `${agent}:${n}`;
  ctx.onTool?.({ type: 'tool_call', agent, tool, callId, args });
  const started = performance.now();
  try {
    const result = await run();
    ctx.onTool?.({ type: 'tool_result', agent, tool, callId, durationMs: Math.round(performance.now() - started), summary: summarize(result), ok: true });
    return result;
  } catch (error) {
    ctx.onTool?.({ type: 'tool_result', agent, tool, callId, durationMs: Math.round(performance.now() - started), summary: error instanceof Error ? error.message : String(error), ok: false });
    throw error;
  }
}

export interface AgentResult<O> {
  output: O;
  /** One line for the client's progress view. */
  summary: string;
}

export interface Agent<N extends AgentName> {
  readonly name: N;
  readonly output: z.ZodType<AgentOutputs[N]>;
  /**
   * Whether the agent may call a model: a paid call that can take seconds. An agent that never does computes from
   * the outputs before it and the usage rollups in milliseconds, so redoing it after a crash costs less than a
   * write of its own: its checkpoint goes to the database with the run's next write (before the next agent that
   * calls a model starts, or with the run's completion), not one write per agent.
   */
  readonly callsModel: boolean;
  /** What the agent works from, stored on its RunStep for inspection. */
  input(ctx: AgentContext): unknown;
  run(ctx: AgentContext): Promise<AgentResult<AgentOutputs[N]>>;
}

export type AnyAgent = { [N in AgentName]: Agent<N> }[AgentName];

export class AgentInputError extends Error {
  constructor(agent: AgentName, missing: AgentName) {
    super(`${agent} needs the output of ${missing}, which is missing`);
    this.name = 'AgentInputError';
  }
}

/** The output of an upstream agent; its absence is a bug in the pipeline order. */
export function upstream<N extends AgentName>(ctx: AgentContext, agent: AgentName, name: N): AgentOutputs[N] {
  const value = ctx.outputs[name];
  if (value === undefined) throw new AgentInputError(agent, name);
  return value as AgentOutputs[N];
}

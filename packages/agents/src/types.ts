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
}

export interface AgentResult<O> {
  output: O;
  /** One line for the client's progress view. */
  summary: string;
}

export interface Agent<N extends AgentName> {
  readonly name: N;
  readonly output: z.ZodType<AgentOutputs[N]>;
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

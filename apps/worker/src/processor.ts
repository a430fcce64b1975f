import { RunJobData, type AgentName, type Report, type RunEventDraft } from '@netra/contracts';
import { PIPELINE, type AgentContext, type AgentOutputs, type AnyAgent } from '@netra/agents';
import type { RunEventLog } from '@netra/bus';
import { DatabaseUnavailableError, databaseReachable, isDatabaseUnavailable, type Db, type UsageReadCache } from '@netra/db';
import type { LlmClient } from '@netra/llm';
import type { ClaimedRun, CompletedStep, FinalStep, RunEngine, StepError } from '@netra/runs';
import { recommendationRows } from '@netra/watch';
import { contextFromTraceparent, errorFields, logger, metrics, requestTraceId, SpanKind, withContext, withSpan } from '@netra/observability';
import { CancelAbort } from './aborts.js';
import { TokenStream } from './token-stream.js';

export interface ProcessorDeps {
  db: Db;
  events: RunEventLog;
  llm: LlmClient;
  engine: RunEngine;
  /** The agents' rollup reads, kept per user and usage revision. */
  usageReads: UsageReadCache;
  /** The supervisor's sub-agents, in order. Default: PIPELINE (tests swap an agent for one that fails). */
  pipeline?: readonly AnyAgent[];
}

/** Thrown when an agent fails: the run is already recorded `failed`; the job must not be retried. */
export class AgentFailedError extends Error {
  constructor(
    readonly agent: AgentName,
    readonly reason: StepError,
  ) {
    super(`${agent} failed: ${reason.message}`);
    this.name = 'AgentFailedError';
  }
}

export type ProcessOutcome = 'completed' | 'cancelled' | 'skipped';

interface PendingStep {
  agent: AnyAgent;
  position: number;
}

/**
 * A run's steps that are done but not yet written. An agent that calls no model and is followed by another such is
 * not written on its own: its checkpoint and events wait for the run's next write (which always goes out before an
 * agent that calls a model, or the last agent, starts). A crash in between redoes milliseconds of computing; nothing
 * unwritten is ever announced.
 */
interface Unwritten {
  steps: CompletedStep[];
  /** Their events (tool calls, completions, the following agent's start), announced after that write. */
  events: RunEventDraft[];
  /** Whether the running agent's row was written (`running`) by the write before it. */
  recorded: boolean;
}

function describe(error: unknown): StepError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : error.name, message: error.message };
  }
  return { code: 'Error', message: String(error) };
}

/**
 * Runs one job: the supervisor's five sub-agents in order, each checkpointed in its RunStep and announced with
 * `sub_agent_update` events, then the assistant message and `agent_completed`. A retried job (crash, stall)
 * resumes after the last completed agent. Infrastructure errors propagate, so BullMQ retries the job.
 */
export class RunProcessor {
  private readonly engine: RunEngine;
  private readonly pipeline: readonly AnyAgent[];
  /** The agent whose output is the report: completed by the statement that completes the run (RunEngine.complete). */
  private readonly lastAgent: AgentName | undefined;
  private readonly log = logger.child({ component: 'processor' });

  constructor(private readonly deps: ProcessorDeps) {
    this.engine = deps.engine;
    this.pipeline = deps.pipeline ?? PIPELINE;
    this.lastAgent = this.pipeline[this.pipeline.length - 1]?.name;
  }

  async process(jobData: unknown, jobId: string | undefined, signal: AbortSignal): Promise<ProcessOutcome> {
    const data = RunJobData.parse(jobData);
    // The run continues the trace of the request that accepted it (W3C traceparent carried in the job).
    return withSpan(
      'run',
      {
        kind: SpanKind.CONSUMER,
        parent: contextFromTraceparent(data.traceparent),
        attributes: { 'netra.run_id': data.runId, 'netra.thread_id': data.threadId, 'messaging.system': 'bullmq', 'messaging.destination.name': 'agent-runs', ...(jobId ? { 'messaging.message.id': jobId } : {}) },
      },
      async (span) => {
        const outcome = await withContext(
          { runId: data.runId, threadId: data.threadId, userId: data.userId, traceId: requestTraceId(data.traceparent), ...(jobId ? { jobId } : {}) },
          () => this.run(data, signal),
        );
        span.setAttribute('netra.run.outcome', outcome);
        return outcome;
      },
    );
  }

  private async run(data: RunJobData, signal: AbortSignal): Promise<ProcessOutcome> {
    signal.throwIfAborted();
    const run = await this.engine.claim(data.runId);
    if (!run) {
      await this.engine.reannounce(data);
      return 'skipped';
    }
    if (run.previousStatus === 'queued') metrics.queueWait.observe(Math.max(0, Date.now() - data.acceptedAt) / 1000);
    const started = performance.now();
    // Per-run lines are debug: at hundreds of runs a second, info lines on the hot path cost more CPU than the run.
    this.log.debug('run started', { attempt: run.attempts, resumed: run.previousStatus === 'running' });

    const { request, checkpoints, previousReport } = run;
    const outputs: Partial<AgentOutputs> = {};
    for (const checkpoint of checkpoints) {
      const agent = this.pipeline.find((a) => a.name === checkpoint.agent);
      const parsed = agent?.output.safeParse(checkpoint.output);
      // A checkpoint that no longer matches its schema (older version) is recomputed, never trusted.
      if (agent && parsed?.success) (outputs as Record<string, unknown>)[agent.name] = parsed.data;
    }

    const toolEvents: RunEventDraft[] = [];
    let final: FinalStep | undefined;
    const tokens = new TokenStream((agent, delta) =>
      this.deps.events.publish(run.userId, { type: 'agent_token', runId: run.id, threadId: run.threadId, agent, delta }),
    );
    const ctx: AgentContext = {
      runId: run.id,
      threadId: run.threadId,
      userId: run.userId,
      request,
      previousReport,
      db: this.deps.db,
      llm: this.deps.llm,
      signal,
      now: run.startedAt,
      outputs,
      onToken: (agent, delta) => tokens.push(agent, delta),
      // Tool calls are fast (milliseconds): published with the agent's completion, in call order, in one append.
      onTool: (event) => toolEvents.push({ ...event, runId: run.id, threadId: run.threadId }),
    };

    try {
      // The agents still to run (after a crash, those after the last checkpoint). Each step is recorded running
      // by the write that completes the one before it, and announced with it: one database write and one event
      // append per sub-agent.
      const pending = this.pipeline.map((agent, position) => ({ agent, position })).filter(({ agent }) => outputs[agent.name] === undefined);
      const first = pending[0];
      if (first) await this.engine.stepStarted(run.id, { agent: first.agent.name, position: first.position, attempt: run.attempts, input: first.agent.input(ctx) });
      await this.deps.events.publishAll(run.userId, [
        { type: 'agent_started', runId: run.id, threadId: run.threadId, messageId: run.userMessageId, attempt: run.attempts },
        ...(first ? [this.running(run, first.agent.name)] : []),
      ]);
      // The agents' reads of the usage rollups come from the worker's cache while the user's usage is at the
      // revision this run was claimed against (a changed workspace moves the revision, so they never lag the data).
      const unwritten: Unwritten = { steps: [], events: [], recorded: true };
      final = await this.deps.usageReads.run({ userId: run.userId, revision: run.usageRevision }, async () => {
        let last: FinalStep | undefined;
        for (const [i, step] of pending.entries()) {
          signal.throwIfAborted();
          last = await this.step(run, step, ctx, tokens, pending[i + 1], toolEvents, unwritten);
        }
        return last;
      });
    } catch (error) {
      if (signal.reason instanceof CancelAbort) {
        this.log.info('run stopped', { reason: signal.reason.reason });
        await this.engine.stopped(data);
        return 'cancelled';
      }
      throw error;
    }

    const report = outputs.reporting as Report;
    // Cancelled meanwhile, or an earlier attempt completed it: the engine re-announces whatever the run's end is.
    if (!(await this.engine.complete(data, report, recommendationRows(run.id, report), final))) return 'skipped';
    metrics.jobDuration.observe({ outcome: 'completed' }, (performance.now() - started) / 1000);
    this.log.debug('run completed', { ms: Math.round(performance.now() - started), recommendations: report.recommendations.length });
    return 'completed';
  }

  /**
   * Runs one agent and checkpoints it, announcing its completion with the next agent's start (an agent that calls
   * no model, followed by another such, waits for the next write: `Unwritten`). The pipeline's last agent is not
   * checkpointed here: its completion is returned, for the statement that completes the run.
   */
  private async step(run: ClaimedRun, { agent, position }: PendingStep, ctx: AgentContext, tokens: TokenStream, next: PendingStep | undefined, toolEvents: RunEventDraft[], unwritten: Unwritten): Promise<FinalStep | undefined> {
    const attributes = { 'netra.agent': agent.name, 'netra.attempt': run.attempts };
    return withSpan(`agent ${agent.name}`, { attributes }, () => withContext({ agent: agent.name }, async () => {
      const started = performance.now();

      let result: { output: unknown; summary: string };
      try {
        const raw = await agent.run(ctx);
        result = { output: agent.output.parse(raw.output), summary: raw.summary };
        await tokens.drain();
      } catch (error) {
        // The agent's own failure is what the run records; a token flush failing on top of it is only logged.
        await tokens.drain().catch((drainError: unknown) => this.log.warn('could not flush streamed tokens of a failed agent', errorFields(drainError)));
        if (ctx.signal.aborted) {
          if (ctx.signal.reason instanceof CancelAbort) {
            await this.writeUnwritten(run, unwritten, { agent, position }, ctx);
            await this.engine.stepEnded(run.id, agent.name, 'skipped', { code: 'cancelled', message: ctx.signal.reason.reason }, performance.now() - started);
            // Dropped if the cancel's agent_stopped is already out (it closes the run's log).
            await this.deps.events.publishAll(run.userId, unwritten.events.splice(0));
          }
          throw error;
        }
        // An agent that failed because PostgreSQL went away did not fail: the run waits for the database and
        // resumes from its checkpoint (SupervisorWorker). Errors the driver could not type are settled by asking
        // the database itself.
        if (isDatabaseUnavailable(error) || !(await databaseReachable(this.deps.db))) throw new DatabaseUnavailableError(error);
        const reason = describe(error);
        const ms = performance.now() - started;
        this.log.error('agent failed', errorFields(error));
        await this.writeUnwritten(run, unwritten, { agent, position }, ctx);
        await this.engine.stepEnded(run.id, agent.name, 'failed', reason, ms);
        metrics.agentDuration.observe({ agent: agent.name, outcome: 'failed' }, ms / 1000);
        await this.deps.events.publishAll(run.userId, [
          ...unwritten.events.splice(0),
          ...toolEvents.splice(0),
          {
            type: 'sub_agent_update',
            runId: run.id,
            threadId: run.threadId,
            agent: agent.name,
            status: 'failed',
            summary: reason.message,
            durationMs: Math.round(ms),
          },
        ]);
        await this.failRun(run, { code: 'agent_failed', message: `${agent.name}: ${reason.message}` });
        throw new AgentFailedError(agent.name, reason);
      }

      const ms = performance.now() - started;
      (ctx.outputs as Record<string, unknown>)[agent.name] = result.output;
      metrics.agentDuration.observe({ agent: agent.name, outcome: 'completed' }, ms / 1000);
      if (agent.name === this.lastAgent) {
        return { agent: agent.name, summary: result.summary, durationMs: ms, events: toolEvents.splice(0) };
      }
      unwritten.steps.push({
        agent: agent.name,
        output: result.output,
        summary: result.summary,
        durationMs: ms,
        ...(unwritten.recorded ? {} : { unrecorded: { position, attempt: run.attempts, input: agent.input(ctx) } }),
      });
      unwritten.events.push(
        ...toolEvents.splice(0),
        {
          type: 'sub_agent_update',
          runId: run.id,
          threadId: run.threadId,
          agent: agent.name,
          status: 'completed',
          summary: result.summary,
          durationMs: Math.round(ms),
        },
        ...(next ? [this.running(run, next.agent.name)] : []),
      );
      // Waits for the next write only between two agents that call no model (never before the last agent, whose
      // completion is the run's).
      if (next && !agent.callsModel && !next.agent.callsModel && next.agent.name !== this.lastAgent) {
        unwritten.recorded = false;
        return undefined;
      }
      await this.engine.stepsCompleted(run.id, unwritten.steps.splice(0), next && { agent: next.agent.name, position: next.position, attempt: run.attempts, input: next.agent.input(ctx) });
      unwritten.recorded = true;
      await this.deps.events.publishAll(run.userId, unwritten.events.splice(0));
      return undefined;
    }));
  }

  /**
   * Before a failed or stopped agent is recorded: writes the checkpoints still waiting and the agent's own row if
   * it has none (its events go out with the failure's).
   */
  private async writeUnwritten(run: ClaimedRun, unwritten: Unwritten, { agent, position }: PendingStep, ctx: AgentContext): Promise<void> {
    if (unwritten.recorded && unwritten.steps.length === 0) return;
    await this.engine.stepsCompleted(run.id, unwritten.steps.splice(0), { agent: agent.name, position, attempt: run.attempts, input: agent.input(ctx) });
    unwritten.recorded = true;
  }

  private running(run: ClaimedRun, agent: AgentName): RunEventDraft {
    return { type: 'sub_agent_update', runId: run.id, threadId: run.threadId, agent, status: 'running' };
  }

  /** Records the run `failed`, announces it once, and starts the thread's next run. */
  async failRun(run: { id: string; threadId: string; userId: string }, reason: StepError): Promise<void> {
    await this.engine.fail({ runId: run.id, threadId: run.threadId, userId: run.userId }, reason);
  }
}

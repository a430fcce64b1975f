import type { AgentName } from '@netra/contracts';
import { querySql, sql, type Db } from '@netra/db';
import { GroupCommit, type GroupCommitLimits } from './group-commit.js';

// A run's steps in `run_steps`: each agent recorded `running` when it starts and its checkpoint (validated output)
// when it completes, written by the worker's runs together (group commit).

/** An agent recorded `running`: its row, with what it works from. */
export interface StartedStep {
  agent: AgentName;
  position: number;
  attempt: number;
  input: unknown;
}

/** An agent's checkpoint: its validated output. */
export interface CompletedStep {
  agent: AgentName;
  output: unknown;
  summary: string;
  durationMs: number;
  /**
   * Its start, when that was never written (an agent that calls no model, run straight after the one before it):
   * the row is then written whole, already completed.
   */
  unrecorded?: Omit<StartedStep, 'agent'>;
}

/** One write of a run's steps: the agents' checkpoints (in order) and/or the next agent recorded `running`. */
export interface StepWrite {
  runId: string;
  completed?: readonly CompletedStep[];
  started?: StartedStep;
}

/** A step's columns as the statement's record sets carry them. */
interface StepRow {
  run_id: string;
  agent: AgentName;
  output: unknown;
  summary: string | null;
  duration_ms: number | null;
}

/**
 * The steps of a worker's concurrent runs, group-committed (GroupCommit): a write resolves once the statement that
 * holds it committed — the caller announces the step after that. A run awaits each of its writes before the next,
 * so a batch never holds two writes of the same step.
 */
export class CheckpointWriter {
  private readonly batches: GroupCommit<StepWrite, void>;

  constructor(
    private readonly db: Db,
    options: GroupCommitLimits = {},
  ) {
    this.batches = new GroupCommit((writes) => this.statement(writes), options);
  }

  write(write: StepWrite): Promise<void> {
    return this.batches.add(write);
  }

  /**
   * One statement for the whole batch: the completed steps whose rows exist are updated; the started steps and
   * the completed ones never recorded are upserted (a later attempt of a run overwrites the earlier attempt's row).
   */
  private async statement(writes: StepWrite[]): Promise<void[]> {
    const completed: StepRow[] = [];
    const rows: (StepRow & { status: 'running' | 'completed'; position: number; attempt: number; input: unknown })[] = [];
    for (const w of writes) {
      for (const c of w.completed ?? []) {
        const done = { run_id: w.runId, agent: c.agent, output: c.output ?? null, summary: c.summary, duration_ms: Math.round(c.durationMs) };
        if (c.unrecorded) rows.push({ ...done, status: 'completed', position: c.unrecorded.position, attempt: c.unrecorded.attempt, input: c.unrecorded.input ?? null });
        else completed.push(done);
      }
      if (w.started) {
        const { agent, position, attempt, input } = w.started;
        rows.push({ run_id: w.runId, agent, status: 'running', position, attempt, input: input ?? null, output: null, summary: null, duration_ms: null });
      }
    }
    await querySql(
      this.db,
      sql('run_steps_write')`
      WITH done AS (
        UPDATE run_steps s
           SET status = 'completed', output = d.output, summary = d.summary, finished_at = now(), duration_ms = d.duration_ms
          FROM jsonb_to_recordset(${JSON.stringify(completed)}::jsonb) AS d(run_id uuid, agent text, output jsonb, summary text, duration_ms int)
         -- The run ids again as an array: it lets the planner find the rows through the (run_id, agent) index
         -- instead of hashing the record set against a scan of the whole table.
         WHERE s.run_id = ANY(${completed.map((c) => c.run_id)}::uuid[]) AND s.run_id = d.run_id AND s.agent = d.agent
      )
      INSERT INTO run_steps (run_id, agent, position, status, attempt, input, output, summary, started_at, finished_at, duration_ms)
      -- A step written whole started its duration before it finished, now.
      SELECT n.run_id, n.agent, n.position, n.status::"StepStatus", n.attempt, n.input, n.output, n.summary,
             now() - make_interval(secs => coalesce(n.duration_ms, 0) / 1000.0),
             CASE WHEN n.status = 'completed' THEN now() END, n.duration_ms
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
             AS n(run_id uuid, agent text, status text, position int, attempt int, input jsonb, output jsonb, summary text, duration_ms int)
      ON CONFLICT (run_id, agent) DO UPDATE
        SET status = EXCLUDED.status, attempt = EXCLUDED.attempt, input = EXCLUDED.input, output = EXCLUDED.output, error = NULL,
            summary = EXCLUDED.summary, started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
            duration_ms = EXCLUDED.duration_ms`,
    );
    return writes.map(() => undefined);
  }
}

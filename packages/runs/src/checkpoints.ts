import type { AgentName } from '@netra/contracts';
import { isDatabaseUnavailable, querySql, sql, type Db } from '@netra/db';

/** An agent's checkpoint (its output) and/or the next agent recorded `running` — one write of a run's step. */
export interface StepWrite {
  runId: string;
  completed?: { agent: AgentName; output: unknown; summary: string; durationMs: number };
  started?: { agent: AgentName; position: number; attempt: number; input: unknown };
}

export interface CheckpointWriterOptions {
  /** A batch is written once it holds this many writes. Default 64. */
  maxItems?: number;
  /** …or this long after its first write arrived. Default 2 ms. */
  maxDelayMs?: number;
}

interface Pending {
  write: StepWrite;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of the steps of concurrent runs: writes that arrive within `maxDelayMs` of each other go to
 * PostgreSQL as one statement (one parse, one plan, one commit for all of them) instead of one each. A write's
 * promise resolves only after the statement that holds it committed — the caller announces the step after that,
 * so nothing is acknowledged before it is durable. A run awaits each of its writes before the next, so a batch
 * never holds two writes of the same step.
 *
 * If a batch fails for any reason but an outage, its writes are retried one by one, so one bad write fails only
 * its own run; an outage fails them all at once (each run then waits for the database).
 */
export class CheckpointWriter {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly maxItems: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly db: Db,
    options: CheckpointWriterOptions = {},
  ) {
    this.maxItems = options.maxItems ?? 64;
    this.maxDelayMs = options.maxDelayMs ?? 2;
  }

  write(write: StepWrite): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ write, resolve, reject });
      if (this.pending.length >= this.maxItems) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs);
    });
  }

  /** Writes what is pending now (the timer does this by itself). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) void this.writeBatch(batch);
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    try {
      await this.statement(batch.map((p) => p.write));
      for (const p of batch) p.resolve();
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      await Promise.all(
        batch.map((p) =>
          this.statement([p.write]).then(
            () => p.resolve(),
            (single: unknown) => p.reject(single),
          ),
        ),
      );
    }
  }

  /**
   * One statement for the whole batch: the completed steps' outputs, then the started steps upserted (a later
   * attempt of a run overwrites the earlier attempt's row).
   */
  private async statement(writes: StepWrite[]): Promise<void> {
    const completed = writes.flatMap((w) =>
      w.completed
        ? [{ run_id: w.runId, agent: w.completed.agent, output: w.completed.output ?? null, summary: w.completed.summary, duration_ms: Math.round(w.completed.durationMs) }]
        : [],
    );
    const started = writes.flatMap((w) =>
      w.started ? [{ run_id: w.runId, agent: w.started.agent, position: w.started.position, attempt: w.started.attempt, input: w.started.input ?? null }] : [],
    );
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
      INSERT INTO run_steps (run_id, agent, position, status, attempt, input, started_at)
      SELECT n.run_id, n.agent, n.position, 'running', n.attempt, n.input, now()
        FROM jsonb_to_recordset(${JSON.stringify(started)}::jsonb) AS n(run_id uuid, agent text, position int, attempt int, input jsonb)
      ON CONFLICT (run_id, agent) DO UPDATE
        SET status = 'running', attempt = EXCLUDED.attempt, input = EXCLUDED.input, output = NULL, error = NULL,
            summary = NULL, started_at = now(), finished_at = NULL, duration_ms = NULL`,
    );
  }
}

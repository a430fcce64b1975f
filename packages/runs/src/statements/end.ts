import { RUN_WEBHOOK_EVENTS, type Report, type RunStatus } from '@netra/contracts';
import { querySql, sql, type Db, type RecommendationRow } from '@netra/db';
import { sourcesOf } from '../transitions.js';
import type { FinalStep, RunRef, StepError } from '../types.js';
import { json } from './json.js';

// The statements that end a run — complete (batched), fail, cancel. Each is a conditional UPDATE guarded by the
// transition table that also hands the run's thread to its next run (netra_activate_next_run), so a crash cannot
// leave an ended run holding its thread. Complete and fail also say whether the user has a run webhook (EndedInfo).

/** A run to complete, as `complete` was called. */
export interface Completion {
  ref: RunRef;
  report: Report;
  recommendations: readonly RecommendationRow[];
  final: FinalStep | undefined;
}

/** What the completion statement returns per run it completed. */
export type CompleteRow = {
  run_id: string;
  message_id: string | null;
  next_run_id: string | null;
  next_user_id: string | null;
  run_webhooks: boolean;
};

/**
 * The completions of a batch in one statement: each run that is still running moves to completed with its
 * report (sent once: the answer and the last step take it from the run's row), its answer, its recommendations
 * and its last step, and its thread goes to its next run. Runs that were no longer running get no row.
 */
export async function completeStatement(db: Db, items: readonly Completion[]): Promise<(CompleteRow | undefined)[]> {
  const runs = items.map(({ ref, report, final }) => ({
    run_id: ref.runId,
    report,
    summary: report.summary,
    step_agent: final?.agent ?? null,
    step_summary: final?.summary ?? null,
    step_ms: final ? Math.round(final.durationMs) : null,
  }));
  const recs = items.flatMap(({ ref, recommendations }) => recommendations.map((r) => ({ run_id: ref.runId, ...recommendationRecord(r) })));
  const rows = await querySql<CompleteRow>(
    db,
    sql('run_complete')`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${json(runs)}::jsonb)
                   AS i(run_id uuid, report jsonb, summary text, step_agent text, step_summary text, step_ms int)
      ), done AS (
        UPDATE runs r SET status = 'completed', report = i.report, finished_at = now()
          FROM input i
         -- The run ids again as an array: the rows are found through the primary key, not by hashing.
         WHERE r.id = ANY(${runs.map((r) => r.run_id)}::uuid[]) AND r.id = i.run_id
           AND r.status::text = ANY(${sourcesOf('completed')}::text[])
     RETURNING r.id, r.thread_id, r.user_id, r.report, i.summary, i.step_agent, i.step_summary, i.step_ms
      ), msg AS (
        INSERT INTO messages (thread_id, user_id, role, content, report, run_id)
        SELECT thread_id, user_id, 'assistant', summary, report, id FROM done
        ON CONFLICT (run_id) DO NOTHING
        RETURNING id, run_id
      ), recs AS (
        INSERT INTO recommendations (id, user_id, run_id, position, title, strategy, app, model, estimated_monthly_savings_usd, window_from, window_to, rollback)
        SELECT x.id, done.user_id, done.id, x.position, x.title, x.strategy, x.app, x.model, x.usd, x.window_from, x.window_to, x.rollback
          FROM done JOIN jsonb_to_recordset(${json(recs)}::jsonb)
               AS x(run_id uuid, id uuid, position int, title text, strategy text, app text, model text, usd float8, window_from timestamptz, window_to timestamptz, rollback text)
            ON x.run_id = done.id
        ON CONFLICT (run_id, position) DO NOTHING
      ), final_step AS (
        UPDATE run_steps s
           SET status = 'completed', output = done.report, summary = done.step_summary, finished_at = now(), duration_ms = done.step_ms
          FROM done
         WHERE s.run_id = done.id AND s.agent = done.step_agent
      )
      SELECT done.id AS run_id, msg.id AS message_id, next.run_id AS next_run_id, next.user_id AS next_user_id,
             EXISTS (SELECT 1 FROM webhooks w WHERE w.user_id = done.user_id AND w.active AND w.events && ${[...RUN_WEBHOOK_EVENTS]}::text[]) AS run_webhooks
        FROM done LEFT JOIN msg ON msg.run_id = done.id
        LEFT JOIN LATERAL netra_activate_next_run(done.thread_id, done.id) next ON true`,
  );
  const byRun = new Map(rows.map((row) => [row.run_id, row]));
  return items.map(({ ref }) => byRun.get(ref.runId));
}

/** What the fail statement returns when it failed the run. */
export type FailRow = { next_run_id: string | null; next_user_id: string | null; run_webhooks: boolean };

/** Fails a queued or running run with the reason and hands its thread over. Undefined when the run had already ended. */
export async function failStatement(db: Db, ref: RunRef, reason: StepError): Promise<FailRow | undefined> {
  const rows = await querySql<FailRow>(
    db,
    sql('run_fail')`
      WITH done AS (
        UPDATE runs SET status = 'failed', error = ${json(reason)}::jsonb, finished_at = now()
         WHERE id = ${ref.runId}::uuid AND status::text = ANY(${sourcesOf('failed')}::text[])
     RETURNING id, thread_id, user_id
      )
      SELECT next.run_id AS next_run_id, next.user_id AS next_user_id, EXISTS (SELECT 1 FROM webhooks w WHERE w.user_id = done.user_id AND w.active AND w.events && ${[...RUN_WEBHOOK_EVENTS]}::text[]) AS run_webhooks
        FROM done LEFT JOIN LATERAL netra_activate_next_run(done.thread_id, done.id) next ON true`,
  );
  return rows[0];
}

/** What the cancel statement returns when the run is the user's. */
export type CancelRow = { thread_id: string; status: RunStatus; cancelled: boolean; next_run_id: string | null; next_user_id: string | null };

/**
 * Cancels a queued or running run of the user and hands its thread over, the thread locked first as an accept and a
 * hand-over lock it. Undefined when the run is not the user's; `cancelled` false when it had already ended.
 */
export async function cancelStatement(db: Db, userId: string, runId: string, reason: string): Promise<CancelRow | undefined> {
  const error = JSON.stringify({ code: 'cancelled', message: reason });
  const rows = await querySql<CancelRow>(
    db,
    sql('run_cancel')`
      WITH target AS (
        SELECT r.id, r.thread_id, r.status
          FROM runs r JOIN threads t ON t.id = r.thread_id
         WHERE r.id = ${runId}::uuid AND r.user_id = ${userId}::uuid
           FOR UPDATE OF t
      ), done AS (
        UPDATE runs SET status = 'cancelled', finished_at = now(), cancel_requested_at = now(), error = ${error}::jsonb
          FROM target
         WHERE runs.id = target.id AND runs.status::text = ANY(${sourcesOf('cancelled')}::text[])
     RETURNING runs.id, runs.thread_id
      )
      SELECT target.thread_id, target.status::text AS status, (done.id IS NOT NULL) AS cancelled,
             next.run_id AS next_run_id, next.user_id AS next_user_id
        FROM target LEFT JOIN done ON true
        LEFT JOIN LATERAL (SELECT * FROM netra_activate_next_run(done.thread_id, done.id) WHERE done.id IS NOT NULL) next ON true`,
  );
  return rows[0];
}

/** The column names `jsonb_to_recordset` reads in `complete`. */
function recommendationRecord(r: RecommendationRow): Record<string, unknown> {
  return { id: r.id, position: r.position, title: r.title, strategy: r.strategy, app: r.app, model: r.model, usd: r.estimatedMonthlySavingsUsd, window_from: r.windowFrom, window_to: r.windowTo, rollback: r.rollback };
}

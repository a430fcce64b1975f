import { querySql, sql, type Db } from '@netra/db';
import { sourcesOf } from '../transitions.js';

/** What the claim statement returns per run. */
export type ClaimRow = {
  id: string;
  thread_id: string;
  user_id: string;
  user_message_id: string;
  previous: 'queued' | 'running';
  attempts: number;
  started_at: Date;
  request: string | null;
  checkpoints: { agent: string; output: unknown }[] | null;
  previous_report: unknown;
  usage_revision: string | null;
};

/**
 * The claims of a batch in one statement. The runs are locked in id order, so two batches that share a run (a
 * job taken over while its first worker still claims it) wait for each other instead of deadlocking.
 */
export async function claimStatement(db: Db, runIds: readonly string[]): Promise<(ClaimRow | undefined)[]> {
  const rows = await querySql<ClaimRow>(
    db,
    sql('run_claim')`
      WITH prev AS (SELECT id, status FROM runs WHERE id = ANY(${runIds}::uuid[]) ORDER BY id FOR UPDATE)
      UPDATE runs r
         SET status = 'running', attempts = r.attempts + 1, started_at = coalesce(r.started_at, now())
        FROM prev
       WHERE r.id = prev.id AND prev.status::text = ANY(${sourcesOf('running')}::text[])
   RETURNING r.id, r.thread_id, r.user_id, r.user_message_id, prev.status::text AS previous, r.attempts, r.started_at,
             (SELECT m.content FROM messages m WHERE m.id = r.user_message_id) AS request,
             (SELECT json_agg(json_build_object('agent', s.agent, 'output', s.output))
                FROM run_steps s WHERE s.run_id = r.id AND s.status = 'completed') AS checkpoints,
             (SELECT p.report FROM runs p
               WHERE p.thread_id = r.thread_id AND p.status = 'completed' AND p.id <> r.id AND p.report IS NOT NULL
               ORDER BY p.seq DESC LIMIT 1) AS previous_report,
             (SELECT max(c.seq)::text FROM usage_changes c WHERE c.user_id = r.user_id) AS usage_revision`,
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return runIds.map((id) => byId.get(id));
}


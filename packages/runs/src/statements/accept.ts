import { InternalError } from '@netra/contracts';
import { querySql, sql, transactionSql, type Db } from '@netra/db';
import { sourcesOf } from '../transitions.js';
import type { AcceptInput } from '../types.js';
import { json } from './json.js';

// The statements that accept a user's message: `enqueue` / `reject` batched (RunEngine.acceptQueued) and
// `interrupt` in a transaction of its own (RunEngine.acceptInterrupting).

/** A message to accept (`enqueue` or `reject`), as `acceptQueued` was called. */
export interface AcceptItem {
  userId: string;
  threadId: string;
  text: string;
  clientMessageId: string;
  strategy: 'enqueue' | 'reject';
}

/** What the accept statement returns per message. */
export type AcceptRow = {
  thread_found: boolean;
  message_id: string | null;
  run_id: string | null;
  started: boolean;
  duplicate: boolean;
  requeue: boolean;
  busy_run_id: string | null;
};

/**
 * The accepts of a batch (never two of one thread: GroupCommit's key) in one statement, each as `acceptQueued`
 * describes. The threads are locked in id order, so two batches that share threads wait instead of deadlocking.
 */
export async function acceptStatement(db: Db, items: readonly AcceptItem[]): Promise<(AcceptRow | undefined)[]> {
  const input = items.map((item, idx) => ({ idx, thread_id: item.threadId, user_id: item.userId, text: item.text, client_message_id: item.clientMessageId, strategy: item.strategy }));
  const rows = await querySql<AcceptRow & { idx: number }>(
    db,
    sql('run_accept')`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${json(input)}::jsonb)
                 AS i(idx int, thread_id uuid, user_id uuid, text text, client_message_id text, strategy text)
      ), thread AS (
        SELECT i.idx, t.id, t.active_run_id,
               (SELECT r.id FROM runs r
                 -- IN_PROGRESS spelled out (transitions.test.ts holds them equal): with literals, the cached plan
                 -- finds the thread's unfinished runs through (thread_id, status) instead of walking its history.
                 WHERE r.thread_id = t.id AND r.status IN ('queued', 'running')
                 ORDER BY r.seq LIMIT 1) AS busy_run_id
          FROM input i
          -- The thread ids again as an array: the threads are found through the primary key, not by hashing.
          JOIN threads t ON t.id = ANY(${items.map((item) => item.threadId)}::uuid[]) AND t.id = i.thread_id AND t.user_id = i.user_id
         ORDER BY t.id
           FOR UPDATE OF t
      ), existing AS (
        SELECT t.idx, m.id AS message_id, r.id AS run_id,
               (r.status = 'queued' AND r.id = t.active_run_id) AS requeue
          FROM thread t
          JOIN input i ON i.idx = t.idx
          JOIN messages m ON m.thread_id = t.id AND m.client_message_id = i.client_message_id AND m.role = 'user'
          JOIN runs r ON r.user_message_id = m.id
      ), msg AS (
        INSERT INTO messages (thread_id, user_id, role, content, client_message_id)
        SELECT t.id, i.user_id, 'user', i.text, i.client_message_id
          FROM thread t JOIN input i ON i.idx = t.idx
         WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.idx = t.idx) AND (i.strategy <> 'reject' OR t.busy_run_id IS NULL)
        ON CONFLICT (thread_id, client_message_id) DO NOTHING
        RETURNING id, thread_id
      ), run AS (
        INSERT INTO runs (thread_id, user_id, user_message_id, strategy)
        SELECT msg.thread_id, i.user_id, msg.id, i.strategy FROM msg JOIN input i ON i.thread_id = msg.thread_id
        RETURNING id, user_message_id, thread_id
      ), activated AS (
        UPDATE threads SET active_run_id = run.id, updated_at = now()
          FROM run JOIN thread t ON t.id = run.thread_id
         WHERE threads.id = run.thread_id AND t.active_run_id IS NULL
        RETURNING threads.id
      )
      SELECT i.idx,
             t.id IS NOT NULL AS thread_found,
             coalesce(run.user_message_id, e.message_id) AS message_id,
             coalesce(run.id, e.run_id) AS run_id,
             a.id IS NOT NULL AS started,
             e.idx IS NOT NULL AS duplicate,
             coalesce(e.requeue, false) AS requeue,
             t.busy_run_id
        FROM input i
        LEFT JOIN thread t ON t.idx = i.idx
        LEFT JOIN existing e ON e.idx = i.idx
        LEFT JOIN run ON run.thread_id = t.id
        LEFT JOIN activated a ON a.id = run.thread_id`,
  );
  const byIdx = new Map(rows.map((row) => [row.idx, row]));
  return items.map((_, idx) => byIdx.get(idx));
}

/** What the `interrupt` transaction stored: the new message and run, and the runs of the thread it cancelled. */
export interface InterruptOutcome {
  row: { message_id: string; run_id: string };
  cancelled: string[];
}

/**
 * `interrupt`: in one transaction, lock the user's thread, cancel everything in progress on it and insert the new
 * message and run as the thread's active run. Null when the thread does not exist or is not the user's.
 */
export async function interruptStatement(db: Db, userId: string, input: Pick<AcceptInput, 'threadId' | 'text'>, clientMessageId: string): Promise<InterruptOutcome | null> {
  const error = JSON.stringify({ code: 'interrupted', message: 'Interrupted by a newer message' });
  return transactionSql(db, async (query) => {
    const thread = await query<{ id: string }>(sql('run_interrupt_lock')`
        SELECT id FROM threads WHERE id = ${input.threadId}::uuid AND user_id = ${userId}::uuid FOR UPDATE`);
    if (thread.length === 0) return null;
    const cancelled = await query<{ id: string }>(sql('run_interrupt_cancel')`
        UPDATE runs SET status = 'cancelled', finished_at = now(), cancel_requested_at = now(), error = ${error}::jsonb
         WHERE thread_id = ${input.threadId}::uuid AND status = ANY(${sourcesOf('cancelled')}::"RunStatus"[])
     RETURNING id`);
    const created = await query<{ message_id: string; run_id: string }>(sql('run_interrupt_insert')`
        WITH msg AS (
          INSERT INTO messages (thread_id, user_id, role, content, client_message_id)
          VALUES (${input.threadId}::uuid, ${userId}::uuid, 'user', ${input.text}, ${clientMessageId})
          RETURNING id, thread_id
        ), run AS (
          INSERT INTO runs (thread_id, user_id, user_message_id, strategy)
          SELECT thread_id, ${userId}::uuid, id, 'interrupt' FROM msg
          RETURNING id, user_message_id
        ), activated AS (
          UPDATE threads SET active_run_id = (SELECT id FROM run), updated_at = now() WHERE id = ${input.threadId}::uuid
        )
        SELECT user_message_id AS message_id, id AS run_id FROM run`);
    const row = created[0];
    if (!row) throw new InternalError('interrupt insert returned no row');
    return { row, cancelled: cancelled.map((r) => r.id) };
  });
}

import type { Db } from './client.js';

/** A run that has just become its thread's active run and must now be put on the queue. */
export interface ActivatedRun {
  runId: string;
  threadId: string;
  userId: string;
  createdAt: Date;
}

/**
 * Hands a thread to its next queued run (acceptance order) once `finishedRunId` — the active run — has ended;
 * `finishedRunId = null` repairs a thread that has queued runs but no active one. Returns the newly active run,
 * or null when the thread stays idle or another run still owns it.
 *
 * One call of the `netra_activate_next_run` function (migration `…_activate_next_run_function`): it locks the
 * thread row, which orders it against a gateway accepting a message for the same thread, and reads the next run
 * with a fresh snapshot taken after the lock, so a run that gateway committed meanwhile is not missed.
 */
export async function activateNextRun(db: Db, threadId: string, finishedRunId: string | null): Promise<ActivatedRun | null> {
  const rows = await db.$queryRaw<{ run_id: string; user_id: string; created_at: Date }[]>`
    SELECT run_id, user_id, created_at FROM netra_activate_next_run(${threadId}::uuid, ${finishedRunId}::uuid)`;
  const next = rows[0];
  return next ? { runId: next.run_id, threadId, userId: next.user_id, createdAt: next.created_at } : null;
}

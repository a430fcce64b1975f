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
 * Two statements under the thread's row lock: the lock orders this against a gateway accepting a message for
 * the same thread, and the second statement's fresh snapshot sees any run that gateway committed meanwhile.
 */
export async function activateNextRun(db: Db, threadId: string, finishedRunId: string | null): Promise<ActivatedRun | null> {
  return db.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ active_run_id: string | null; active_status: string | null }[]>`
      SELECT t.active_run_id, r.status::text AS active_status
        FROM threads t LEFT JOIN runs r ON r.id = t.active_run_id
       WHERE t.id = ${threadId}::uuid
         FOR UPDATE OF t`;
    const thread = locked[0];
    if (!thread) return null;
    const activeIsLive = thread.active_status === 'queued' || thread.active_status === 'running';
    if (thread.active_run_id !== null && thread.active_run_id !== finishedRunId && activeIsLive) return null;

    const next = (
      await tx.$queryRaw<{ id: string; user_id: string; created_at: Date }[]>`
        SELECT id, user_id, created_at FROM runs
         WHERE thread_id = ${threadId}::uuid AND status = 'queued'
         ORDER BY seq LIMIT 1`
    )[0];
    await tx.$executeRaw`UPDATE threads SET active_run_id = ${next?.id ?? null}::uuid WHERE id = ${threadId}::uuid`;
    return next ? { runId: next.id, threadId, userId: next.user_id, createdAt: next.created_at } : null;
  });
}

-- DropIndex
DROP INDEX "runs_status_created_at_idx";

-- Hand-written: Prisma's schema language cannot describe partial indexes.
-- A thread's queued runs in acceptance order, and nothing else: the hand-over (netra_activate_next_run) and the
-- reconciler look for queued runs, and through this index a lookup is one entry whatever the thread's history or
-- the backlog. With (status, created_at), the hand-over's cached plan walked every queued run of every thread
-- (statistics say queued runs are rare), so each completion cost O(backlog) exactly when a backlog built up.
CREATE INDEX "runs_queued_thread_id_seq_idx" ON "runs" ("thread_id", "seq") WHERE "status" = 'queued';

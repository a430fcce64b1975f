-- Hand-written: Prisma's schema language cannot describe functions, so `npm run db:diff` cannot author this one.
--
-- Hands a thread to its next queued run once its active run `p_finished` has ended (NULL: repair a thread with
-- queued runs but no active one). Returns the newly active run, or no row when the thread stays idle or another
-- live run owns it. One round trip instead of an interactive transaction.
--
-- Correctness under concurrency rests on the row lock plus READ COMMITTED: in PL/pgSQL every statement takes a
-- fresh snapshot, so the SELECT of the next run, which runs after the lock is granted, sees a run that a gateway
-- committed while this call waited for the lock.
CREATE OR REPLACE FUNCTION netra_activate_next_run(p_thread uuid, p_finished uuid)
RETURNS TABLE (run_id uuid, user_id uuid, created_at timestamptz)
LANGUAGE plpgsql
AS $$
DECLARE
  v_active uuid;
  v_active_status "RunStatus";
  v_next runs%ROWTYPE;
BEGIN
  SELECT t.active_run_id INTO v_active FROM threads t WHERE t.id = p_thread FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF v_active IS NOT NULL AND v_active IS DISTINCT FROM p_finished THEN
    SELECT r.status INTO v_active_status FROM runs r WHERE r.id = v_active;
    IF v_active_status IN ('queued', 'running') THEN
      RETURN;
    END IF;
  END IF;

  SELECT * INTO v_next FROM runs r WHERE r.thread_id = p_thread AND r.status = 'queued' ORDER BY r.seq LIMIT 1;
  UPDATE threads SET active_run_id = v_next.id WHERE id = p_thread;
  IF v_next.id IS NOT NULL THEN
    run_id := v_next.id;
    user_id := v_next.user_id;
    created_at := v_next.created_at;
    RETURN NEXT;
  END IF;
END;
$$;

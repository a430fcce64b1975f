-- CreateTable
CREATE TABLE "usage_changes" (
    "seq" BIGSERIAL NOT NULL,
    "user_id" UUID NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_changes_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "usage_changes_user_id_seq_idx" ON "usage_changes"("user_id", "seq");


-- Hand-written: Prisma's schema language cannot describe triggers.
-- Every statement that inserts, updates or deletes rollup rows notes the users whose rows it changed (one row per
-- user and statement, from the statement's transition table): imports, repricing, rebuilds and deletions alike.
CREATE OR REPLACE FUNCTION netra_note_usage_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  INSERT INTO usage_changes (user_id) SELECT DISTINCT user_id FROM changed_rows;
  -- Only a user's newest row is ever read (max(seq)): the older ones go at once, so the table holds about one row
  -- per user. SKIP LOCKED: rows another import is deleting are left to it, so two imports never wait on each other.
  DELETE FROM usage_changes WHERE seq IN (
    SELECT c.seq FROM usage_changes c
     WHERE c.user_id IN (SELECT DISTINCT user_id FROM changed_rows)
       AND c.seq < (SELECT max(n.seq) FROM usage_changes n WHERE n.user_id = c.user_id)
       FOR UPDATE SKIP LOCKED);
  RETURN NULL;
END;
$$;

CREATE TRIGGER usage_rollups_inserted AFTER INSERT ON usage_rollups
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION netra_note_usage_change();
CREATE TRIGGER usage_rollups_updated AFTER UPDATE ON usage_rollups
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION netra_note_usage_change();
CREATE TRIGGER usage_rollups_deleted AFTER DELETE ON usage_rollups
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION netra_note_usage_change();
CREATE TRIGGER usage_dimension_rollups_inserted AFTER INSERT ON usage_dimension_rollups
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION netra_note_usage_change();
CREATE TRIGGER usage_dimension_rollups_updated AFTER UPDATE ON usage_dimension_rollups
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION netra_note_usage_change();
CREATE TRIGGER usage_dimension_rollups_deleted AFTER DELETE ON usage_dimension_rollups
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION netra_note_usage_change();

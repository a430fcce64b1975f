-- DropForeignKey
ALTER TABLE "usage_events" DROP CONSTRAINT "usage_events_user_id_fkey";

-- What the foreign key's ON DELETE CASCADE did, once per DELETE statement instead of a check per inserted event.
-- Inserts lock their user row FOR KEY SHARE (packages/usage/src/ingest.ts), which a DELETE of that user waits for.
CREATE FUNCTION netra_usage_events_owner_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM usage_events e USING gone g WHERE e.user_id = g.id;
  RETURN NULL;
END;
$$;

CREATE TRIGGER usage_events_owner_gone
  AFTER DELETE ON users
  REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION netra_usage_events_owner_gone();

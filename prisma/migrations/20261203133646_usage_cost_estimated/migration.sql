-- AlterTable
ALTER TABLE "usage_events" ADD COLUMN     "cost_estimated" BOOLEAN NOT NULL DEFAULT false;

-- Events stored before this column existed: whether their cost came from the catalog is not recorded. Those at
-- cost 0 are the ones an unpriced model left at $0 (a client that sends costUsd rarely sends 0), so they are marked
-- estimated and a price added later reaches them; the others keep their cost.
UPDATE "usage_events" SET "cost_estimated" = true WHERE "cost_usd" = 0;

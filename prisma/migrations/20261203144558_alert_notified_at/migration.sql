-- AlterTable
ALTER TABLE "alerts" ADD COLUMN     "notified_at" TIMESTAMPTZ(3);

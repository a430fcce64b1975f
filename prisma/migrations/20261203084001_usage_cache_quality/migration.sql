-- AlterTable
ALTER TABLE "usage_events" ADD COLUMN     "cached_prompt_tokens" INTEGER,
ADD COLUMN     "quality_score" REAL;

-- AlterTable
ALTER TABLE "usage_rollups" ADD COLUMN     "cached_prompt_tokens" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "quality_n" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "quality_sum" DOUBLE PRECISION NOT NULL DEFAULT 0;

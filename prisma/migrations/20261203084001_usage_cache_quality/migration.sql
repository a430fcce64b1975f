-- AlterTable
ALTER TABLE "usage_events" ADD COLUMN     "cached_prompt_tokens" INTEGER,
ADD COLUMN     "quality_score" REAL;

-- AlterTable
ALTER TABLE "usage_rollups" ADD COLUMN     "cached_prompt_tokens" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "quality_n" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "quality_sum" DOUBLE PRECISION NOT NULL DEFAULT 0;

-- Hand-written: the run's JSON (checkpoints, the report on the run and on the assistant message, tens of KB per run
-- with data) compressed with lz4 where the server has it: pglz spent several times more CPU compressing them. A server
-- built without lz4 keeps pglz (nothing else changes).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE "run_steps" ALTER COLUMN "output" SET COMPRESSION lz4;
    ALTER TABLE "runs" ALTER COLUMN "report" SET COMPRESSION lz4;
    ALTER TABLE "messages" ALTER COLUMN "report" SET COMPRESSION lz4;
    -- And the rollups' histograms, which every run reads (lz4 decompresses several times faster than pglz).
    ALTER TABLE "usage_rollups" ALTER COLUMN "latency_hist" SET COMPRESSION lz4;
    ALTER TABLE "usage_rollups" ALTER COLUMN "ttft_hist" SET COMPRESSION lz4;
    ALTER TABLE "usage_rollups" ALTER COLUMN "prompt_tokens_hist" SET COMPRESSION lz4;
    ALTER TABLE "usage_rollups" ALTER COLUMN "completion_tokens_hist" SET COMPRESSION lz4;
    ALTER TABLE "usage_dimension_rollups" ALTER COLUMN "latency_hist" SET COMPRESSION lz4;
  END IF;
END
$$;

-- AlterTable
ALTER TABLE "usage_rollups" ADD COLUMN     "batch_tagged" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "completion_tokens_hist" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "hashed" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "hashed_cost_usd" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "hour_counts" INTEGER[] DEFAULT ARRAY[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]::INTEGER[],
ADD COLUMN     "prompt_set" BIGINT[] DEFAULT ARRAY[]::BIGINT[],
ADD COLUMN     "prompt_sketch" BIT(32768),
ADD COLUMN     "prompt_tokens_hist" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "streamed" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "ttft_hist" JSONB NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "usage_dimension_rollups" (
    "user_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "app" TEXT NOT NULL,
    "requests" INTEGER NOT NULL,
    "errors" INTEGER NOT NULL,
    "prompt_tokens" BIGINT NOT NULL,
    "completion_tokens" BIGINT NOT NULL,
    "cost_usd" DOUBLE PRECISION NOT NULL,
    "latency_hist" JSONB NOT NULL,

    CONSTRAINT "usage_dimension_rollups_pkey" PRIMARY KEY ("user_id","day","key","value","model","app")
);

-- CreateTable
CREATE TABLE "usage_minutes" (
    "user_id" UUID NOT NULL,
    "model" TEXT NOT NULL,
    "hour" TIMESTAMPTZ(0) NOT NULL,
    "requests" JSONB NOT NULL,
    "tokens" JSONB NOT NULL,

    CONSTRAINT "usage_minutes_pkey" PRIMARY KEY ("user_id","model","hour")
);

-- CreateTable
CREATE TABLE "usage_peaks" (
    "user_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "model" TEXT NOT NULL,
    "peak_rpm" INTEGER NOT NULL,
    "peak_tpm" BIGINT NOT NULL,

    CONSTRAINT "usage_peaks_pkey" PRIMARY KEY ("user_id","day","model")
);

-- CreateTable
CREATE TABLE "usage_rollup_rebuilds" (
    "user_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_rollup_rebuilds_pkey" PRIMARY KEY ("user_id","day")
);

-- AddForeignKey
ALTER TABLE "usage_dimension_rollups" ADD CONSTRAINT "usage_dimension_rollups_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "usage_peaks" ADD CONSTRAINT "usage_peaks_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written below (functions, trigger, storage and data are outside what Prisma's schema describes).

-- The sketch is 4 KiB of near-random bits: stored out of line uncompressed (pglz spent more on trying to compress
-- it on every rollup update than the rest of the upsert).
ALTER TABLE "usage_rollups" ALTER COLUMN "prompt_sketch" SET STORAGE EXTERNAL;

-- The logarithmic bucket of a count (tokens, ms) as @netra/usage histogram.ts defines it: 0 below 1, else
-- floor(log_1.04 x) + 1, at most 411 (10 million). Inlined by the planner (a single SQL expression).
CREATE FUNCTION netra_log_bucket(x int8) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN x IS NULL THEN NULL WHEN x < 1 THEN 0 ELSE least(floor(ln(x::float8) / ln(1.04::float8))::int + 1, 411) END
$$;

-- Adds two sparse histograms `{"<bucket>": count}`: how a rollup row takes in a batch's deltas.
CREATE FUNCTION netra_hist_add(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(jsonb_object_agg(k, s), '{}'::jsonb)
    FROM (SELECT k, sum(v::int8) AS s
            FROM (SELECT key, value FROM jsonb_each_text(a) UNION ALL SELECT key, value FROM jsonb_each_text(b)) AS x(k, v)
           GROUP BY k) AS y
$$;

-- Adds two arrays of counts element by element (hour_counts).
CREATE FUNCTION netra_counts_add(a int[], b int[]) RETURNS int[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i)
$$;

-- The union of two exact prompt sets while it holds at most `cap` hashes; NULL (too many: the sketch answers) past that.
CREATE FUNCTION netra_prompt_set_union(a int8[], b int8[], cap int) RETURNS int8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN a IS NULL OR b IS NULL THEN NULL
              ELSE (SELECT CASE WHEN count(*) > cap THEN NULL ELSE coalesce(array_agg(h ORDER BY h), '{}') END
                      FROM (SELECT DISTINCT unnest(a || b) AS h) AS u) END
$$;

-- The owner trigger also removes the tables that, like usage_events, have no foreign key.
CREATE OR REPLACE FUNCTION netra_usage_events_owner_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM usage_events e USING gone g WHERE e.user_id = g.id;
  DELETE FROM usage_minutes m USING gone g WHERE m.user_id = g.id;
  DELETE FROM usage_rollup_rebuilds r USING gone g WHERE r.user_id = g.id;
  RETURN NULL;
END;
$$;

-- Existing events: every (user, day) that has any is rebuilt by the workers in the background (resumable: one day per
-- transaction, the queue row deleted with it). Until a day is rebuilt its counts, tokens, cost and latency are right
-- (those rollups existed before); only the new figures read zero.
INSERT INTO usage_rollup_rebuilds (user_id, day)
SELECT DISTINCT user_id, (ts AT TIME ZONE 'UTC')::date FROM usage_events;

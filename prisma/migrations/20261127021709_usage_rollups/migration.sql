-- AlterTable
ALTER TABLE "usage_events" ADD COLUMN     "latency_bucket" SMALLINT NOT NULL;

-- CreateTable
CREATE TABLE "usage_rollups" (
    "user_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "model" TEXT NOT NULL,
    "app" TEXT NOT NULL,
    "requests" INTEGER NOT NULL,
    "errors" INTEGER NOT NULL,
    "prompt_tokens" BIGINT NOT NULL,
    "completion_tokens" BIGINT NOT NULL,
    "cost_usd" DOUBLE PRECISION NOT NULL,
    "latency_hist" JSONB NOT NULL,

    CONSTRAINT "usage_rollups_pkey" PRIMARY KEY ("user_id","day","model","app")
);

-- AddForeignKey
ALTER TABLE "usage_rollups" ADD CONSTRAINT "usage_rollups_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterTable
ALTER TABLE "threads" ADD COLUMN     "active_run_id" UUID;

-- CreateIndex
CREATE UNIQUE INDEX "threads_active_run_id_key" ON "threads"("active_run_id");

-- AddForeignKey
ALTER TABLE "threads" ADD CONSTRAINT "threads_active_run_id_fkey" FOREIGN KEY ("active_run_id") REFERENCES "runs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

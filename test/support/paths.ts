import path from 'node:path';

/** Jest runs from the repository root. */
export const ROOT = process.cwd();
export const MIGRATIONS_DIR = path.join(ROOT, 'prisma/migrations');
export const GATEWAY_MAIN = path.join(ROOT, 'apps/gateway/dist/main.js');
export const WORKER_MAIN = path.join(ROOT, 'apps/worker/dist/main.js');

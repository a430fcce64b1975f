#!/usr/bin/env node
// Runs the Prisma CLI without letting it download its native schema engine (these machines have no internet).
// `prisma generate` needs no engine; pointing PRISMA_SCHEMA_ENGINE_BINARY at a stub skips the start-up download.
// A user who has the real engine can set PRISMA_SCHEMA_ENGINE_BINARY themselves, or run `npx prisma` directly.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');
const stub = fileURLToPath(new URL('./schema-engine-stub.sh', import.meta.url));
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= stub;

const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(result.status ?? 1);

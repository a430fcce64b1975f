#!/usr/bin/env node
// A supervisor worker process (`npm run worker`). Scale out by running more of them.
//
// Nothing here may import ioredis, pg or the LLM client statically: `launch` starts tracing first, and only then
// is the worker imported (dynamic import), so OpenTelemetry instruments those libraries as they load.
import { createRequire } from 'node:module';
import { loadConfig } from '@netra/config';
import { launch } from '@netra/observability';

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

await launch({
  service: 'worker',
  loadConfig: () => loadConfig(),
  create: async (config) => {
    const { SupervisorWorker } = await import('./supervisor-worker.js');
    return new SupervisorWorker({ config, version });
  },
});

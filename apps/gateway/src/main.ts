#!/usr/bin/env node
// A gateway process (`npm run gateway`): HTTP API + WebSocket on PORT. Run several behind a load balancer.
//
// Nothing here may import express, ioredis or pg statically: `launch` starts tracing first, and only then is the
// gateway imported (dynamic import), so OpenTelemetry instruments those libraries as they load.
import { createRequire } from 'node:module';
import { loadConfig } from '@netra/config';
import { launch } from '@netra/observability';

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

await launch({
  service: 'gateway',
  loadConfig: () => loadConfig(),
  create: async (config) => {
    const { Gateway } = await import('./gateway.js');
    return new Gateway({ config, version });
  },
});

#!/usr/bin/env node
// A gateway process (`npm run gateway`): HTTP API + WebSocket on PORT. Run several behind a load balancer.
//
// Nothing here may import express, ioredis or pg statically: `launch` starts tracing first, and only then is the
// gateway imported (dynamic import), so OpenTelemetry instruments those libraries as they load.
import { createRequire } from 'node:module';
import { gatewayNodeFlags, loadConfig, nodeFlagsMissing } from '@netra/config';
import { launch, warnOnce } from '@netra/observability';

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

await launch({
  service: 'gateway',
  loadConfig: () => loadConfig(),
  create: async (config) => {
    // Heap sizes are V8 flags of the `node` command line: a process started without them cannot take them now.
    const wanted = gatewayNodeFlags(config.GATEWAY_SEMI_SPACE_MB);
    const missing = nodeFlagsMissing(wanted, process.execArgv);
    if (missing.length > 0) {
      warnOnce('GATEWAY_SEMI_SPACE_MB is not in effect: start node with its flags (npm start, npm run gateway and the Docker image do)', {
        GATEWAY_SEMI_SPACE_MB: config.GATEWAY_SEMI_SPACE_MB,
        missing,
        execArgv: process.execArgv,
      });
    }
    const { Gateway } = await import('./gateway.js');
    return new Gateway({ config, version });
  },
});

#!/usr/bin/env node
// A supervisor worker process (`npm run worker`). Scale out by running more of them.
//
// Bootstrap order matters: the config is read and tracing started (when OTEL_* asks for it) BEFORE the worker's
// modules are imported, because OpenTelemetry instruments ioredis/pg/undici as they are loaded. Hence the
// dynamic import of ./start.js below; nothing here may import those libraries statically.
import { loadConfig } from '@netra/config';
import { errorFields, logger, startTracing, tracingRequested } from '@netra/observability';

try {
  const { config, warnings } = loadConfig();
  const tracing = await startTracing({
    service: 'worker',
    enabled: tracingRequested(config),
    ...(config.OTEL_SERVICE_NAME ? { serviceName: config.OTEL_SERVICE_NAME } : {}),
  });
  const { start } = await import('./start.js');
  await start({ config, warnings, tracing });
} catch (error) {
  logger.error('worker failed to start', errorFields(error));
  process.exit(1);
}

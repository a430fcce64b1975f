#!/usr/bin/env node
// A gateway process (`npm run gateway`): HTTP API + WebSocket on PORT. Run several behind a load balancer.
//
// Bootstrap order matters: the config is read and tracing started (when OTEL_* asks for it) BEFORE the app's
// modules are imported, because OpenTelemetry instruments express/ioredis/pg as they are loaded. Hence the
// dynamic import of ./start.js below; nothing here may import those libraries statically.
import { loadConfig } from '@netra/config';
import { errorFields, logger, startTracing, tracingRequested } from '@netra/observability';

try {
  const { config, warnings } = loadConfig();
  const tracing = await startTracing({
    service: 'gateway',
    enabled: tracingRequested(config),
    ...(config.OTEL_SERVICE_NAME ? { serviceName: config.OTEL_SERVICE_NAME } : {}),
  });
  const { start } = await import('./start.js');
  await start({ config, warnings, tracing });
} catch (error) {
  logger.error('gateway failed to start', errorFields(error));
  process.exit(1);
}

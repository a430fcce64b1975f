#!/usr/bin/env node
// A gateway process (`npm run gateway`): HTTP API + WebSocket on PORT. Run several behind a load balancer.
import { createRequire } from 'node:module';
import { loadConfig } from '@netra/config';
import { collectDefaultMetrics, configureLogging, errorFields, logger } from '@netra/observability';
import { Gateway } from './gateway.js';

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

async function main(): Promise<void> {
  const { config, warnings } = loadConfig();
  configureLogging({ service: 'gateway', level: config.LOG_LEVEL });
  collectDefaultMetrics('gateway');
  for (const warning of warnings) logger.warn(warning);

  const gateway = new Gateway({ config, version });
  const stop = (signal: string) => {
    logger.info('signal received', { signal });
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', errorFields(error));
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  await gateway.start();
}

main().catch((error: unknown) => {
  logger.error('gateway failed to start', errorFields(error));
  process.exit(1);
});

#!/usr/bin/env node
// A supervisor worker process (`npm run worker`). Scale out by running more of them.
import { createRequire } from 'node:module';
import { loadConfig } from '@netra/config';
import { collectDefaultMetrics, configureLogging, errorFields, logger } from '@netra/observability';
import { SupervisorWorker } from './supervisor-worker.js';

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

async function main(): Promise<void> {
  const { config, warnings } = loadConfig();
  configureLogging({ service: 'worker', level: config.LOG_LEVEL });
  collectDefaultMetrics('worker');
  for (const warning of warnings) logger.warn(warning);

  const worker = new SupervisorWorker({ config, version });
  const stop = (signal: string) => {
    logger.info('signal received', { signal });
    worker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', errorFields(error));
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  await worker.start();
}

main().catch((error: unknown) => {
  logger.error('worker failed to start', errorFields(error));
  process.exit(1);
});

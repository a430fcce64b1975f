import { createRequire } from 'node:module';
import type { Config } from '@netra/config';
import { collectDefaultMetrics, configureLogging, errorFields, logger, type Tracing } from '@netra/observability';
import { SupervisorWorker } from './supervisor-worker.js';

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** Starts the worker and wires the signals; called by main.ts once tracing is set up. */
export async function start({ config, warnings, tracing }: { config: Config; warnings: string[]; tracing: Tracing }): Promise<void> {
  configureLogging({ service: 'worker', level: config.LOG_LEVEL });
  collectDefaultMetrics('worker');
  for (const warning of warnings) logger.warn(warning);
  if (tracing.enabled) logger.info('tracing on (OpenTelemetry)');

  const worker = new SupervisorWorker({ config, version });
  const stop = (signal: string) => {
    logger.info('signal received', { signal });
    worker
      .close()
      .then(() => tracing.shutdown().catch(() => undefined))
      .then(
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

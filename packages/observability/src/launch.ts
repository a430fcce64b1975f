import { collectDefaultMetrics } from './metrics.js';
import { configureLogging, errorFields, logger, warnOnce, type LogFormat } from './logger.js';
import { startTracing, tracingRequested } from './tracing.js';

/** What a process entry point runs: the gateway or the supervisor worker. */
export interface Launchable {
  start(): Promise<unknown>;
  /** Graceful shutdown (SIGTERM/SIGINT). */
  close(): Promise<void>;
}

/** The settings `launch` reads (a subset of @netra/config's Config). */
export interface LaunchConfig {
  LOG_LEVEL: string;
  LOG_FORMAT?: LogFormat;
  OTEL_SERVICE_NAME?: string | undefined;
  OTEL_TRACES_EXPORTER: string[];
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
}

export interface LaunchOptions<C extends LaunchConfig> {
  service: 'gateway' | 'worker';
  loadConfig: () => { config: C; warnings: string[] };
  /**
   * Builds the app. It must import the app's modules with a dynamic `import()`: this runs after tracing started,
   * so the instrumentations see express, ioredis and pg being loaded.
   */
  create: (config: C) => Promise<Launchable>;
}

/**
 * The one process bootstrap of the apps, in the order tracing needs: config → OpenTelemetry (when `OTEL_*` asks)
 * → logging and metrics → the app (imported only now) → signals. SIGTERM/SIGINT close the app, flush the spans
 * and exit; a start-up failure is logged and exits 1.
 */
export async function launch<C extends LaunchConfig>(options: LaunchOptions<C>): Promise<void> {
  const { service } = options;
  try {
    const { config, warnings } = options.loadConfig();
    const tracing = await startTracing({
      service,
      enabled: tracingRequested(config),
      ...(config.OTEL_SERVICE_NAME ? { serviceName: config.OTEL_SERVICE_NAME } : {}),
    });
    configureLogging({ service, level: config.LOG_LEVEL, ...(config.LOG_FORMAT ? { format: config.LOG_FORMAT } : {}) });
    collectDefaultMetrics(service);
    for (const warning of warnings) warnOnce(warning);
    if (tracing.enabled) logger.info('tracing on (OpenTelemetry)');

    const app = await options.create(config);
    // One shutdown per process, whatever number of signals arrive: `npm start` and a terminal both signal the
    // whole process group, so a child gets SIGTERM twice (from the group and from the launcher). The handlers stay
    // installed — with `once`, the second signal would take Node's default action and kill the process mid-drain.
    let stopping: string | undefined;
    const stop = (signal: string) => {
      if (stopping) {
        logger.info('signal received while already shutting down; ignored', { signal, first: stopping });
        return;
      }
      stopping = signal;
      logger.info('signal received', { signal });
      app
        .close()
        // Spans of the last requests and runs are flushed before the process goes.
        .then(() => tracing.shutdown().catch((error: unknown) => logger.warn('could not flush the last spans', errorFields(error))))
        .then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error('shutdown failed', errorFields(error));
            process.exit(1);
          },
        );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    await app.start();
  } catch (error) {
    logger.error(`${service} failed to start`, errorFields(error));
    process.exit(1);
  }
}

import type { z } from 'zod';
import { createLogger, type Logger } from './logging';
import { loadConfigOrExit } from './config';

export interface Stoppable {
  close(): Promise<void>;
}

/**
 * The last lines of every `main`: close gracefully on SIGTERM/SIGINT (in-flight work finishes,
 * unacked messages return to their queues), and never die silently.
 */
export function handleShutdown(service: Stoppable, logger: Logger): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    service.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

/** Closes in reverse order of opening, continuing past failures. */
export async function closeAll(logger: Logger, ...items: Array<Stoppable | undefined>): Promise<void> {
  for (const item of items.reverse()) {
    if (!item) continue;
    await item.close().catch((err) => logger.warn({ err }, 'close failed'));
  }
}

/**
 * The whole of a service's `main`: parse and validate the config (exit naming a bad variable),
 * start the service, close it (and flush telemetry) on SIGTERM/SIGINT, exit 1 if it cannot start.
 */
export function runService<S extends z.ZodType, R extends Stoppable>(
  name: string,
  configSchema: S,
  start: (config: z.output<S>, logger: Logger) => Promise<R>,
  telemetry: { shutdown(): Promise<void> },
): void {
  const config = loadConfigOrExit(configSchema, name) as z.output<S> & { LOG_LEVEL?: string };
  const logger = createLogger(name, config.LOG_LEVEL);
  start(config, logger).then(
    (service) => handleShutdown({ close: () => service.close().finally(() => telemetry.shutdown()) }, logger),
    (err) => {
      logger.fatal({ err }, `${name} failed to start`);
      process.exit(1);
    },
  );
}

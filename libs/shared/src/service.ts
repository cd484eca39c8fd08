import type { Logger } from './logging';

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

import { telemetry } from './instrument';
import { createLogger, handleShutdown, loadConfigOrExit } from '@sidekiq/shared';
import { configSchema } from './config';
import { startThreadService } from './app';

const config = loadConfigOrExit(configSchema, 'thread');
const logger = createLogger('thread', config.LOG_LEVEL);
startThreadService(config, logger).then(
  (service) => handleShutdown({ close: () => service.close().finally(() => telemetry.shutdown()) }, logger),
  (err) => {
    logger.fatal({ err }, 'thread service failed to start');
    process.exit(1);
  },
);

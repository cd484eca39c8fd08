import { telemetry } from './instrument';
import { createLogger, handleShutdown, loadConfigOrExit } from '@sidekiq/shared';
import { configSchema } from './config';
import { startSidekiqService } from './app';

const config = loadConfigOrExit(configSchema, 'sidekiq');
const logger = createLogger('sidekiq', config.LOG_LEVEL);
startSidekiqService(config, logger).then(
  (service) => handleShutdown({ close: () => service.close().finally(() => telemetry.shutdown()) }, logger),
  (err) => {
    logger.fatal({ err }, 'sidekiq service failed to start');
    process.exit(1);
  },
);

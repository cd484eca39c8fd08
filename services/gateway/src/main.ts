import { telemetry } from './instrument';
import { createLogger, handleShutdown, loadConfigOrExit } from '@sidekiq/shared';
import { configSchema } from './config';
import { startGateway } from './app';

const config = loadConfigOrExit(configSchema, 'gateway');
const logger = createLogger('gateway', config.LOG_LEVEL);
startGateway(config, logger).then(
  (service) => handleShutdown({ close: () => service.close().finally(() => telemetry.shutdown()) }, logger),
  (err) => {
    logger.fatal({ err }, 'gateway failed to start');
    process.exit(1);
  },
);

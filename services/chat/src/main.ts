import { telemetry } from './instrument';
import { createLogger, handleShutdown, loadConfigOrExit } from '@sidekiq/shared';
import { configSchema } from './config';
import { startChatService } from './app';

const config = loadConfigOrExit(configSchema, 'chat');
const logger = createLogger('chat', config.LOG_LEVEL);
startChatService(config, logger).then(
  (service) => handleShutdown({ close: () => service.close().finally(() => telemetry.shutdown()) }, logger),
  (err) => {
    logger.fatal({ err }, 'chat service failed to start');
    process.exit(1);
  },
);

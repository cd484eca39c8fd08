import { telemetry } from './instrument'; // first: OpenTelemetry patches modules as they load
import { runService } from '@sidekiq/shared';
import { configSchema } from './config';
import { startThreadService } from './app';

runService('thread', configSchema, startThreadService, telemetry);

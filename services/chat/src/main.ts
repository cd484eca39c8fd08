import { telemetry } from './instrument'; // first: OpenTelemetry patches modules as they load
import { runService } from '@sidekiq/shared';
import { configSchema } from './config';
import { startChatService } from './app';

runService('chat', configSchema, startChatService, telemetry);

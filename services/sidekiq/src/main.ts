import { telemetry } from './instrument'; // first: OpenTelemetry patches modules as they load
import { runService } from '@sidekiq/shared';
import { configSchema } from './config';
import { startSidekiqService } from './app';

runService('sidekiq', configSchema, startSidekiqService, telemetry);

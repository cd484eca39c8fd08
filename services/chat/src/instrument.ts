/**
 * Imported first by main.ts: OpenTelemetry must patch http, express and mongodb before they load.
 * Off (a no-op) unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
import { startTelemetry } from '@sidekiq/shared/telemetry';

export const telemetry = startTelemetry('chat');

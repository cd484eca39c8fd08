import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter as OtlpJsonMetrics } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtoMetrics } from '@opentelemetry/exporter-metrics-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

/**
 * OpenTelemetry, bootstrapped once per process by each service's `instrument.ts`, which its
 * `main.ts` imports first (instrumentations patch modules as they are loaded).
 *
 * The standard OTEL_* variables configure it: OTEL_EXPORTER_OTLP_ENDPOINT (or the traces
 * endpoint) turns export on, OTEL_EXPORTER_OTLP_PROTOCOL picks http/protobuf (default) or
 * http/json. With no endpoint the SDK is not started at all: the API stays a no-op, so nothing
 * is exported and nothing slows down.
 *
 * Instrumented: incoming/outgoing HTTP (express routes, the REST façade's fetch and the openai
 * SDK's fetch, which carries a W3C traceparent to the model), MongoDB operations. RabbitMQ
 * context flows through our own bus (see tracing.ts): the amqplib instrumentation does not
 * cover amqplib 2.
 */
export interface Telemetry {
  enabled: boolean;
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /** Tests pass their own (e.g. an in-memory exporter); this also turns telemetry on. */
  spanProcessors?: SpanProcessor[];
  metricReader?: MetricReader;
}

export function startTelemetry(serviceName: string, options: TelemetryOptions = {}, env: NodeJS.ProcessEnv = process.env): Telemetry {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_SDK_DISABLED === 'true' || (!endpoint && !options.spanProcessors)) return { enabled: false, shutdown: async () => undefined };

  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || serviceName,
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    metricReaders: [options.metricReader ?? metricReaderFromEnv(env)].filter((r): r is MetricReader => r !== undefined),
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz)/.test(req.url ?? '') }),
      new ExpressInstrumentation(),
      new MongoDBInstrumentation({ enhancedDatabaseReporting: false }),
      new UndiciInstrumentation(),
    ],
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}

function metricReaderFromEnv(env: NodeJS.ProcessEnv): MetricReader | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT;
  if (!endpoint || env.OTEL_METRICS_EXPORTER === 'none') return undefined;
  const protocol = env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  const exporter = protocol === 'http/json' ? new OtlpJsonMetrics() : new OtlpProtoMetrics();
  return new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: Number(env.OTEL_METRIC_EXPORT_INTERVAL) || 15_000 });
}

import { context, metrics, propagation, trace, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes, type Context, type Span } from '@opentelemetry/api';

/**
 * Trace context across RabbitMQ, following the messaging semantic conventions: a PRODUCER span
 * per publish whose W3C `traceparent` travels in the message headers, and a CONSUMER (or SERVER,
 * for RPC) span per processed message whose parent is the producer. All no-ops while telemetry
 * is off.
 */
export const tracer = trace.getTracer('sidekiq');
export const meter = metrics.getMeter('sidekiq');

export type Headers = Record<string, unknown>;

/** The current trace context as message headers. */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The trace context carried by message headers (or a stored traceparent). */
export function contextFrom(headers: Headers | undefined): Context {
  const carrier: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (typeof v === 'string') carrier[k] = v;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

export const messagingAttributes = (destination: string, operation: 'publish' | 'process' | 'receive', messageId?: string): Attributes => ({
  'messaging.system': 'rabbitmq',
  'messaging.destination.name': destination,
  'messaging.operation.type': operation,
  ...(messageId ? { 'messaging.message.id': messageId } : {}),
});

/** Runs `fn` in a span that always ends: ERROR status with the exception when it throws. */
export async function inSpan<T>(name: string, options: { kind?: SpanKind; attributes?: Attributes; parent?: Context }, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}

export { SpanKind, SpanStatusCode, context, trace };
export type { Span, Context } from '@opentelemetry/api';

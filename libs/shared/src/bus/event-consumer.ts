import type { ConsumeMessage, Channel } from 'amqplib';
import type { z } from 'zod';
import type { BusConnection } from './connection';
import { envelopeSchema, type Envelope, type EventDefinition } from '../contracts/events';
import { headers, topology } from './topology';
import type { Logger } from '../logging';
import { SpanKind, contextFrom, inSpan, messagingAttributes, meter } from '../tracing';

const consumerLag = meter.createHistogram('sidekiq.bus.consumer_lag', { unit: 'ms', description: 'Time from an event occurring to its handling' });
const deadLettered = meter.createCounter('sidekiq.bus.dead_lettered', { description: 'Messages sent to a dead-letter queue' });

export interface HandlerContext {
  logger: Logger;
  /** 0 on the first try; grows with each retry from the retry queues. */
  attempt: number;
  redelivered: boolean;
}

export type EventHandler<T> = (event: Envelope<T>, ctx: HandlerContext) => Promise<void>;

export interface Subscription<T extends z.ZodType = z.ZodType> {
  event: EventDefinition<T>;
  handler: EventHandler<z.output<T>>;
}

export function on<T extends z.ZodType>(event: EventDefinition<T>, handler: EventHandler<z.output<T>>): Subscription<T> {
  return { event, handler } as Subscription<T>;
}

export interface EventConsumerOptions {
  /** The service's own durable queue, e.g. `sidekiq.events`. */
  queue: string;
  subscriptions: Subscription[];
  prefetch?: number;
  /** Delay before each retry; after the last one the message is dead-lettered. */
  retryDelaysMs?: number[];
  /** Deliveries (crashes included) before the broker itself dead-letters a message. */
  deliveryLimit?: number;
}

export const defaultRetryDelaysMs = [1000, 5000, 30000];

/**
 * Consumes domain events into handlers: one durable quorum queue per service, manual acks,
 * retries with backoff through per-delay TTL queues, and a dead-letter queue for the rest.
 * A message that fails its schema goes straight to the DLQ with the reason in its headers.
 * The quorum queue's delivery limit dead-letters a message that keeps killing the consumer.
 */
export async function consumeEvents(bus: BusConnection, options: EventConsumerOptions): Promise<void> {
  const { queue, subscriptions } = options;
  const delays = options.retryDelaysMs ?? defaultRetryDelaysMs;
  const byKey = new Map(subscriptions.map((s) => [s.event.routingKey, s]));
  const logger = bus.logger.child({ queue });

  await bus.onConnect(async (model) => {
    const ch = await model.createChannel();
    ch.on('error', (err: Error) => logger.warn({ err: err.message }, 'consumer channel error'));
    await declareQueueWithDeadLetters(ch, queue, options.deliveryLimit ?? 10);
    for (const delay of delays) {
      await ch.assertQueue(topology.retryQueue(queue, delay), {
        durable: true,
        arguments: { 'x-message-ttl': delay, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queue },
      });
    }
    for (const key of byKey.keys()) await ch.bindQueue(queue, topology.eventsExchange, key);
    await ch.prefetch(options.prefetch ?? 16);
    await ch.consume(queue, (msg) => {
      // handle() never rejects on purpose; this catch is the last guard against a crash loop.
      if (msg) handle(ch, msg).catch((err) => logger.error({ err: errorText(err) }, 'consumer: unexpected failure; message left to redelivery'));
    });
  });

  async function handle(ch: Channel, msg: ConsumeMessage): Promise<void> {
    const attempt = Number(msg.properties.headers?.[headers.attempt] ?? 0);
    const routingKey = String(msg.properties.headers?.[headers.originalRoutingKey] ?? msg.fields.routingKey);
    let parsed: Envelope;
    let sub: Subscription | undefined;
    try {
      const raw = envelopeSchema.parse(JSON.parse(msg.content.toString('utf8')));
      sub = byKey.get(routingKey) ?? byKey.get(`${raw.type}.v${raw.version}`);
      if (!sub) return deadLetter(ch, msg, routingKey, 'no-handler', `no handler for ${routingKey}`);
      parsed = { ...raw, data: sub.event.schema.parse(raw.data) };
    } catch (err) {
      return deadLetter(ch, msg, routingKey, 'invalid-message', errorText(err));
    }
    const log = logger.child({ eventId: parsed.id, eventType: routingKey, attempt });
    let failure: { err: unknown } | undefined;
    const handler = sub.handler;
    consumerLag.record(Date.now() - Date.parse(parsed.occurredAt), { 'messaging.destination.name': queue, 'event.type': routingKey });
    try {
      // A CONSUMER span whose parent is the publisher's, so the event's handling joins its trace.
      await inSpan(
        `process ${routingKey}`,
        { kind: SpanKind.CONSUMER, parent: contextFrom(msg.properties.headers), attributes: { ...messagingAttributes(queue, 'process', parsed.id), 'sidekiq.attempt': attempt } },
        () => handler(parsed, { logger: log, attempt, redelivered: msg.fields.redelivered }),
      );
    } catch (err) {
      failure = { err };
    }
    // The ack is outside the handler's try: an ack that fails (channel gone) is not a handler
    // failure to retry; the broker redelivers the unacked message and the handler is idempotent.
    if (!failure) return ack(ch, msg);
    const err = failure.err;
    if (attempt < delays.length) {
      log.warn({ err: errorText(err) }, 'handler failed; retrying later');
      await republish(ch, msg, topology.retryQueue(queue, delays[attempt]!), routingKey, { [headers.attempt]: attempt + 1 });
    } else {
      log.error({ err: errorText(err) }, 'handler failed; dead-lettering');
      await deadLetter(ch, msg, routingKey, 'handler-failed', errorText(err));
    }
  }

  function ack(ch: Channel, msg: ConsumeMessage): void {
    try {
      ch.ack(msg);
    } catch (err) {
      logger.warn({ err: errorText(err) }, 'consumer: ack failed (channel closed); the broker will redeliver');
    }
  }

  /**
   * Hands the message back to the queue when it could not be retried or dead-lettered (broker
   * refused the publish). Left unacked on a live channel it would sit there forever; requeued, it
   * counts towards the quorum queue's delivery limit, so it cannot loop forever either.
   */
  function requeue(ch: Channel, msg: ConsumeMessage): void {
    try {
      ch.nack(msg, false, true);
    } catch {
      // Channel already closed: the broker requeues it by itself.
    }
  }

  async function deadLetter(ch: Channel, msg: ConsumeMessage, routingKey: string, reason: string, error: string): Promise<void> {
    logger.error({ reason, error, routingKey }, 'dead-lettering message');
    deadLettered.add(1, { 'messaging.destination.name': queue, reason });
    await bus.publishConfirmed(topology.deadLetterExchange, queue, bodyOf(msg.content), {
      headers: { ...msg.properties.headers, [headers.deathReason]: reason, [headers.deathError]: error.slice(0, 1000), [headers.originalRoutingKey]: routingKey },
      messageId: msg.properties.messageId,
    }).then(
      () => ack(ch, msg),
      (err) => {
        logger.warn({ err: errorText(err) }, 'could not dead-letter; message requeued');
        requeue(ch, msg);
      },
    );
  }

  async function republish(ch: Channel, msg: ConsumeMessage, target: string, routingKey: string, extra: Record<string, unknown>): Promise<void> {
    await bus
      .publishConfirmed('', target, bodyOf(msg.content), {
        headers: { ...msg.properties.headers, ...extra, [headers.originalRoutingKey]: routingKey },
        messageId: msg.properties.messageId,
      })
      .then(
        () => ack(ch, msg),
        (err) => {
          logger.warn({ err: errorText(err) }, 'could not schedule retry; message requeued');
          requeue(ch, msg);
        },
      );
  }
}

/** A durable quorum queue whose dead letters land in `<queue>.dlq`. */
export async function declareQueueWithDeadLetters(ch: Channel, queue: string, deliveryLimit: number): Promise<void> {
  const dlq = topology.deadLetterQueue(queue);
  await ch.assertQueue(dlq, { durable: true });
  await ch.bindQueue(dlq, topology.deadLetterExchange, queue);
  await ch.assertQueue(queue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': deliveryLimit,
      'x-dead-letter-exchange': topology.deadLetterExchange,
      'x-dead-letter-routing-key': queue,
    },
  });
}

function errorText(err: unknown): string {
  if (err && typeof err === 'object' && 'issues' in err) return JSON.stringify((err as { issues: unknown }).issues).slice(0, 1000);
  return err instanceof Error ? err.message : String(err);
}

/** The body to republish: parsed once; one that is not JSON travels as a string so nothing is lost. */
function bodyOf(content: Buffer): unknown {
  const text = content.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return { unparseable: text };
  }
}

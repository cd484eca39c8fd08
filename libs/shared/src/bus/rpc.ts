import { randomUUID } from 'node:crypto';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { z } from 'zod';
import type { BusConnection } from './connection';
import { AppError, toAppError, type ErrorBody } from '../errors';
import { parseOrThrow } from '../validation';
import { SpanKind, contextFrom, inSpan, messagingAttributes, traceHeaders } from '../tracing';

/** The reply of every RPC: a result or one of our structured errors, never silence. */
export type RpcReply<T> = { ok: true; result: T } | ({ ok: false } & ErrorBody);

const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/**
 * Serves an RPC queue: validates the request, runs the handler, answers the caller's reply-to
 * with the result or a structured error. Requests whose caller has given up (expired) are
 * dropped by the broker through the per-message TTL the client sets.
 */
export async function serveRpc<S extends z.ZodType, R>(
  bus: BusConnection,
  queue: string,
  requestSchema: S,
  handler: (request: z.output<S>) => Promise<R>,
  options: { prefetch?: number } = {},
): Promise<void> {
  const logger = bus.logger.child({ rpc: queue });
  await bus.onConnect(async (model) => {
    const ch = await model.createChannel();
    ch.on('error', (err: Error) => logger.warn({ err: err.message }, 'rpc channel error'));
    await ch.assertQueue(queue, { durable: true });
    await ch.prefetch(options.prefetch ?? 32);
    await ch.consume(queue, (msg) => {
      if (msg) void answer(ch, msg);
    });
  });

  async function answer(ch: Channel, msg: ConsumeMessage): Promise<void> {
    let reply: RpcReply<R>;
    try {
      const request = parseOrThrow(requestSchema, JSON.parse(msg.content.toString('utf8')), 'RPC request');
      const method = (request as { method?: unknown }).method;
      // A SERVER span under the caller's CLIENT span: the RPC shows as one hop in the trace.
      reply = await inSpan(
        `${queue} ${typeof method === 'string' ? method : 'call'}`,
        { kind: SpanKind.SERVER, parent: contextFrom(msg.properties.headers), attributes: { ...messagingAttributes(queue, 'process'), 'rpc.system': 'rabbitmq', 'rpc.method': String(method ?? '') } },
        async () => ({ ok: true as const, result: await handler(request) }),
      );
    } catch (err) {
      const appError = err instanceof SyntaxError ? new AppError('VALIDATION_FAILED', 'RPC request is not JSON') : toAppError(err);
      if (appError.code === 'INTERNAL') logger.error({ err }, 'rpc handler failed');
      reply = { ok: false, ...appError.toBody() };
    }
    const { replyTo, correlationId } = msg.properties;
    if (replyTo) {
      try {
        ch.sendToQueue(replyTo, Buffer.from(JSON.stringify(reply)), { correlationId, contentType: 'application/json' });
      } catch (err) {
        logger.warn({ err }, 'rpc reply failed');
      }
    }
    ch.ack(msg);
  }
}

/**
 * Calls RPCs over RabbitMQ's direct reply-to: no reply queue to declare, and a reply that
 * arrives after the timeout is simply discarded. The request carries the same TTL, so a
 * service that comes back late does not work on requests nobody waits for.
 */
export class RpcClient {
  private channel: Channel | undefined;
  private readonly pending = new Map<string, { resolve: (reply: RpcReply<unknown>) => void }>();

  private constructor(private readonly bus: BusConnection) {}

  static async create(bus: BusConnection): Promise<RpcClient> {
    const client = new RpcClient(bus);
    await bus.onConnect(async (model) => {
      const ch = await model.createChannel();
      ch.on('error', (err: Error) => bus.logger.warn({ err: err.message }, 'rpc client channel error'));
      ch.on('close', () => {
        if (client.channel === ch) client.channel = undefined;
      });
      await ch.consume(DIRECT_REPLY_TO, (msg) => msg && client.onReply(msg), { noAck: true });
      client.channel = ch;
    });
    return client;
  }

  private onReply(msg: ConsumeMessage): void {
    const id = msg.properties.correlationId as string | undefined;
    const waiter = id ? this.pending.get(id) : undefined;
    if (!waiter) return;
    try {
      waiter.resolve(JSON.parse(msg.content.toString('utf8')) as RpcReply<unknown>);
    } catch {
      waiter.resolve({ ok: false, error: { code: 'INTERNAL', message: 'Malformed RPC reply' } });
    }
  }

  /** Sends `request` to `queue`; resolves with the result, throws its AppError, or SERVICE_UNAVAILABLE on timeout. */
  async call<T>(queue: string, request: unknown, resultSchema: z.ZodType<T>, timeoutMs: number): Promise<T> {
    const method = (request as { method?: unknown } | null)?.method;
    return inSpan(
      `${queue} ${typeof method === 'string' ? method : 'call'}`,
      { kind: SpanKind.CLIENT, attributes: { ...messagingAttributes(queue, 'publish'), 'rpc.system': 'rabbitmq', 'rpc.method': String(method ?? '') } },
      () => this.send(queue, request, resultSchema, timeoutMs),
    );
  }

  private async send<T>(queue: string, request: unknown, resultSchema: z.ZodType<T>, timeoutMs: number): Promise<T> {
    const ch = this.channel;
    if (!ch) throw new AppError('SERVICE_UNAVAILABLE', 'Message broker unavailable');
    const correlationId = randomUUID();
    const reply = await new Promise<RpcReply<unknown>>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        resolve({ ok: false, error: { code: 'SERVICE_UNAVAILABLE', message: `No answer from ${queue} within ${timeoutMs} ms` } });
      }, timeoutMs);
      this.pending.set(correlationId, {
        resolve: (r) => {
          clearTimeout(timer);
          this.pending.delete(correlationId);
          resolve(r);
        },
      });
      try {
        ch.sendToQueue(queue, Buffer.from(JSON.stringify(request)), {
          correlationId,
          replyTo: DIRECT_REPLY_TO,
          expiration: String(timeoutMs),
          contentType: 'application/json',
          headers: traceHeaders(),
        });
      } catch {
        this.pending.get(correlationId)?.resolve({ ok: false, error: { code: 'SERVICE_UNAVAILABLE', message: 'Message broker unavailable' } });
      }
    });
    if (!reply.ok) throw new AppError(reply.error.code, reply.error.message, { details: reply.error.details });
    const parsed = resultSchema.safeParse(reply.result);
    if (!parsed.success) throw new AppError('INTERNAL', `Malformed reply from ${queue}`);
    return parsed.data;
  }
}

import { SpanKind, contextFrom, messagingAttributes, streamEnvelopeSchema, topology, tracer, viewChangeSchema, type BusConnection } from '@sidekiq/shared';
import type { Sessions } from '../../domain/sessions';

/**
 * This gateway's own queue of stream frames (the chat service publishes to it by name) and its
 * queue on the view-changes fanout. Both live and die with the instance: frames are only useful
 * to sockets connected here, and a client that reconnects elsewhere resumes by offset.
 */
export async function consumeGatewayQueues(bus: BusConnection, sessions: Sessions, instanceId: string): Promise<string> {
  const framesQueue = topology.gatewayFramesQueue(instanceId);
  const viewsQueue = `gateway.${instanceId}.views`;
  await bus.onConnect(async (model) => {
    const ch = await model.createChannel();
    await ch.assertQueue(framesQueue, { exclusive: true, autoDelete: true });
    await ch.consume(
      framesQueue,
      (msg) => {
        if (!msg) return;
        const parsed = streamEnvelopeSchema.safeParse(parseJson(msg.content));
        if (!parsed.success) return bus.logger.warn('malformed stream frames ignored');
        const { userId, frames } = parsed.data;
        // Start and end of a stream join the turn's trace; per-delta spans would cost more than they tell.
        if (frames.every((f) => f.type === 'chat.delta')) return sessions.deliver(userId, frames);
        const span = tracer.startSpan(`deliver ${frames.map((f) => f.type).join(',')}`, { kind: SpanKind.CONSUMER, attributes: messagingAttributes(framesQueue, 'process') }, contextFrom(msg.properties.headers));
        sessions.deliver(userId, frames);
        span.end();
      },
      { noAck: true },
    );
    await ch.assertQueue(viewsQueue, { exclusive: true, autoDelete: true });
    await ch.bindQueue(viewsQueue, topology.viewChangesExchange, '');
    await ch.consume(
      viewsQueue,
      (msg) => {
        if (!msg) return;
        const parsed = viewChangeSchema.safeParse(parseJson(msg.content));
        if (parsed.success) sessions.toUser(parsed.data.userId, parsed.data.frame);
        else bus.logger.warn('malformed view change ignored');
      },
      { noAck: true },
    );
  });
  return framesQueue;
}

function parseJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
}

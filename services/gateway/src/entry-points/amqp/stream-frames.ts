import { SpanKind, contextFrom, messagingAttributes, streamEnvelopeSchema, topology, tracer, viewChangeSchema, type BusConnection, type ChatDeltaFrame } from '@sidekiq/shared';
import type { Sessions } from '../../domain/sessions';

/**
 * This gateway's own queue of stream frames (the chat service publishes to it by name) and its
 * queue on the view-changes fanout. Both live and die with the instance: frames are only useful
 * to sockets connected here, and a client that reconnects elsewhere resumes by offset.
 */
export async function consumeGatewayQueues(bus: BusConnection, sessions: Sessions, instanceId: string): Promise<string> {
  const framesQueue = topology.gatewayFramesQueue(instanceId);
  const viewsQueue = `gateway.${instanceId}.views`;

  function deliverOne(item: unknown, headers: Record<string, unknown> | undefined): void {
    // Hot path: envelopes of deltas only (nearly all of them) are checked by hand, field for
    // field as the schema does; anything else goes through the schema.
    const fast = deltaEnvelope(item);
    if (fast) return sessions.deliver(fast.userId, fast.frames);
    const parsed = streamEnvelopeSchema.safeParse(item);
    if (!parsed.success) return bus.logger.warn('malformed stream frames ignored');
    const { userId, frames } = parsed.data;
    // Start and end of a stream join the turn's trace; per-delta spans would cost more than they tell.
    const span = tracer.startSpan(`deliver ${frames.map((f) => f.type).join(',')}`, { kind: SpanKind.CONSUMER, attributes: messagingAttributes(framesQueue, 'process') }, contextFrom(headers));
    sessions.deliver(userId, frames);
    span.end();
  }
  await bus.onConnect(async (model) => {
    const ch = await model.createChannel();
    await ch.assertQueue(framesQueue, { exclusive: true, autoDelete: true });
    await ch.consume(
      framesQueue,
      (msg) => {
        if (!msg) return;
        const json = parseJson(msg.content);
        // The chat service batches delta-only envelopes of one loop iteration into an array.
        for (const item of Array.isArray(json) ? json : [json]) deliverOne(item, msg.properties.headers);
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

const isId = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 128;

/**
 * The envelope when it holds only well-formed `chat.delta` frames (what streamEnvelopeSchema
 * accepts for them, unknown keys dropped the same way), else undefined. Profiling showed the
 * schema's safeParse as the gateway's largest self cost per delivered frame.
 */
export function deltaEnvelope(json: unknown): { userId: string; frames: ChatDeltaFrame[] } | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { userId, frames } = json as { userId?: unknown; frames?: unknown };
  if (!isId(userId) || !Array.isArray(frames) || frames.length === 0) return undefined;
  const out: ChatDeltaFrame[] = new Array(frames.length);
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i] as Record<string, unknown> | null;
    if (typeof f !== 'object' || f === null || f.type !== 'chat.delta') return undefined;
    const { requestId, threadId, messageId, offset, delta } = f;
    if (typeof requestId !== 'string' || !isId(threadId) || !isId(messageId) || typeof delta !== 'string') return undefined;
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return undefined;
    out[i] = { type: 'chat.delta', requestId, threadId, messageId, offset, delta };
  }
  return { userId, frames: out };
}

function parseJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
}

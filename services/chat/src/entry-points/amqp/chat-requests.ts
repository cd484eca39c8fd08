import type { Channel, ConsumeMessage } from 'amqplib';
import { SpanKind, chatRequestSchema, contextFrom, declareChatRequestsQueue, headers, inSpan, messagingAttributes, topology, type BusConnection } from '@sidekiq/shared';
import type { ChatTurns } from '../../domain/chat-turns';
import type { TurnRegistry } from '../../domain/turn-registry';

/**
 * Consumes chat turns from the shared work queue. A message is acked once its turn is accepted
 * (records written) or answered; the answer streams on afterwards. Requests carry the gateway's
 * deadline as their TTL, so while no chat instance runs they expire instead of piling up.
 * A malformed request is dead-lettered with its reason; a failure of our own (database down)
 * puts it back after a pause, until its deadline passes.
 */
export async function consumeChatRequests(bus: BusConnection, turns: ChatTurns, registry: TurnRegistry, maxConcurrentTurns: number): Promise<{ stop(): Promise<void> }> {
  const logger = bus.logger.child({ queue: topology.chatRequestsQueue });
  let stopped = false;
  let current: { ch: Channel; tag: string } | undefined;
  await bus.onConnect(async (model) => {
    if (stopped) return;
    const ch = await model.createChannel();
    ch.on('error', (err: Error) => logger.warn({ err: err.message }, 'chat request channel error'));
    await declareChatRequestsQueue(ch);
    await ch.prefetch(32);
    const { consumerTag } = await ch.consume(topology.chatRequestsQueue, (msg) => {
      if (msg) void handle(ch, msg);
    });
    current = { ch, tag: consumerTag };
  });

  async function handle(ch: Channel, msg: ConsumeMessage): Promise<void> {
    let request;
    try {
      request = chatRequestSchema.parse(JSON.parse(msg.content.toString('utf8')));
    } catch (err) {
      logger.error({ err: String(err) }, 'malformed chat request; dead-lettering');
      return bus
        .publishConfirmed(topology.deadLetterExchange, topology.chatRequestsQueue, { unparseable: msg.content.toString('utf8').slice(0, 65_536) }, {
          headers: { [headers.deathReason]: 'invalid-message', [headers.deathError]: String(err).slice(0, 1000) },
        })
        .then(
          () => ch.ack(msg),
          () => ch.nack(msg, false, true), // broker trouble: keep it, try again
        );
    }
    if (Date.now() > request.deadline) {
      logger.info({ requestId: request.requestId }, 'chat request expired before it ran; dropped');
      return ch.ack(msg);
    }
    try {
      while (registry.size >= maxConcurrentTurns && !stopped) await new Promise((r) => setTimeout(r, 20));
      if (stopped) return nackQuietly(ch, msg); // shutting down: another instance takes it
      const r = request;
      // The gateway's chat.send span is the parent: the whole turn, model call included, joins its trace.
      await inSpan(
        `process ${topology.chatRequestsQueue}`,
        { kind: SpanKind.CONSUMER, parent: contextFrom(msg.properties.headers), attributes: { ...messagingAttributes(topology.chatRequestsQueue, 'process'), 'sidekiq.request_id': r.requestId, 'sidekiq.request_kind': r.kind } },
        () => (r.kind === 'send' ? turns.send(r) : turns.resume(r)),
      );
      ch.ack(msg);
    } catch (err) {
      logger.error({ err, requestId: request.requestId }, 'chat request failed; requeueing');
      setTimeout(() => nackQuietly(ch, msg), 500);
    }
  }

  return {
    /** Shutdown: take no new turns (the running ones still stream); prefetched ones go back to the queue. */
    async stop(): Promise<void> {
      stopped = true;
      if (!current) return;
      await current.ch.cancel(current.tag).catch(() => undefined);
    },
  };
}

/** Puts a message back; if its channel is gone the broker has already requeued it. */
function nackQuietly(ch: Channel, msg: ConsumeMessage): void {
  try {
    ch.nack(msg, false, true);
  } catch {
    // Channel closed (shutdown or broker restart): the message is back in the queue already.
  }
}

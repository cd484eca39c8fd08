import type { Channel, ConsumeMessage } from 'amqplib';
import { chatRequestSchema, declareChatRequestsQueue, topology, type BusConnection } from '@sidekiq/shared';
import type { ChatTurns } from '../../domain/chat-turns';
import type { TurnRegistry } from '../../domain/turn-registry';

/**
 * Consumes chat turns from the shared work queue. A message is acked once its turn is accepted
 * (records written) or answered; the answer streams on afterwards. Requests carry the gateway's
 * deadline as their TTL, so while no chat instance runs they expire instead of piling up.
 * A malformed request is dead-lettered with its reason; a failure of our own (database down)
 * puts it back after a pause, until its deadline passes.
 */
export async function consumeChatRequests(bus: BusConnection, turns: ChatTurns, registry: TurnRegistry, maxConcurrentTurns: number): Promise<void> {
  const logger = bus.logger.child({ queue: topology.chatRequestsQueue });
  await bus.onConnect(async (model) => {
    const ch = await model.createChannel();
    ch.on('error', (err: Error) => logger.warn({ err: err.message }, 'chat request channel error'));
    await declareChatRequestsQueue(ch);
    await ch.prefetch(32);
    await ch.consume(topology.chatRequestsQueue, (msg) => {
      if (msg) void handle(ch, msg);
    });
  });

  async function handle(ch: Channel, msg: ConsumeMessage): Promise<void> {
    let request;
    try {
      request = chatRequestSchema.parse(JSON.parse(msg.content.toString('utf8')));
    } catch (err) {
      logger.error({ err: String(err) }, 'malformed chat request; dead-lettering');
      return ch.reject(msg, false);
    }
    if (Date.now() > request.deadline) {
      logger.info({ requestId: request.requestId }, 'chat request expired before it ran; dropped');
      return ch.ack(msg);
    }
    try {
      while (registry.size >= maxConcurrentTurns) await new Promise((r) => setTimeout(r, 20));
      if (request.kind === 'send') await turns.send(request);
      else await turns.resume(request);
      ch.ack(msg);
    } catch (err) {
      logger.error({ err, requestId: request.requestId }, 'chat request failed; requeueing');
      setTimeout(() => ch.nack(msg, false, true), 500);
    }
  }
}

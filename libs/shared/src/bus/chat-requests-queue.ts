import type { Channel } from 'amqplib';
import { topology } from './topology';

/**
 * The chat work queue, declared identically by its producer (gateway) and consumer (chat) so
 * neither depends on the other having started. It has no dead-letter exchange on purpose:
 * requests expire (per-message TTL = the gateway's wait) when no chat instance runs, and an
 * expired request is one nobody waits for, not a poison message. Malformed requests are
 * dead-lettered explicitly by the consumer, with the reason in their headers.
 */
export async function declareChatRequestsQueue(ch: Channel): Promise<void> {
  const queue = topology.chatRequestsQueue;
  await ch.assertQueue(topology.deadLetterQueue(queue), { durable: true });
  await ch.bindQueue(topology.deadLetterQueue(queue), topology.deadLetterExchange, queue);
  await ch.assertQueue(queue, { durable: true });
}

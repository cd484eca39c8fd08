import type { Channel } from 'amqplib';
import { topology } from './topology';

/**
 * The chat work queue, declared identically by its producer (gateway) and consumer (chat) so
 * neither depends on the other having started. Rejected (malformed) requests are dead-lettered.
 */
export async function declareChatRequestsQueue(ch: Channel): Promise<void> {
  const queue = topology.chatRequestsQueue;
  await ch.assertQueue(topology.deadLetterQueue(queue), { durable: true });
  await ch.bindQueue(topology.deadLetterQueue(queue), topology.deadLetterExchange, queue);
  await ch.assertQueue(queue, {
    durable: true,
    arguments: { 'x-dead-letter-exchange': topology.deadLetterExchange, 'x-dead-letter-routing-key': queue },
  });
}

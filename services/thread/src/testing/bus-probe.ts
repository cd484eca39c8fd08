import amqp, { type ChannelModel } from 'amqplib';
import { topology } from '@sidekiq/shared';

/**
 * A side connection for tests: a temporary queue bound to an exchange records what is published
 * there, and queues a test declared can be deleted afterwards.
 */
export async function busProbe() {
  const conn: ChannelModel = await amqp.connect(process.env.AMQP_URL!);
  const ch = await conn.createChannel();
  return {
    async record(exchange: string, routingKey = '#'): Promise<unknown[]> {
      const received: unknown[] = [];
      const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
      await ch.bindQueue(queue, exchange, exchange === topology.viewChangesExchange ? '' : routingKey);
      await ch.consume(queue, (msg) => msg && received.push(JSON.parse(msg.content.toString('utf8'))), { noAck: true });
      return received;
    },
    async deleteQueues(...names: string[]): Promise<void> {
      for (const name of names) await ch.deleteQueue(name).catch(() => undefined);
    },
    close: () => conn.close().catch(() => undefined),
  };
}

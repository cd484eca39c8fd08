import { chatControlSchema, topology, type BusConnection } from '@sidekiq/shared';
import type { ChatTurns } from '../../domain/chat-turns';

/**
 * Cancel/resume/detach reach every chat instance through a fanout exchange; only the instance
 * running the turn acts. The queue is this instance's own and goes away with it.
 */
export async function consumeChatControl(bus: BusConnection, turns: ChatTurns, instanceId: string): Promise<void> {
  const queue = `chat.${instanceId}.control`;
  await bus.onConnect(async (model) => {
    const ch = await model.createChannel();
    await ch.assertQueue(queue, { exclusive: true, autoDelete: true });
    await ch.bindQueue(queue, topology.chatControlExchange, '');
    await ch.consume(
      queue,
      (msg) => {
        if (!msg) return;
        const parsed = chatControlSchema.safeParse(safeJson(msg.content));
        if (parsed.success) turns.control(parsed.data);
        else bus.logger.warn({ issues: parsed.error.issues }, 'malformed chat control ignored');
      },
      { noAck: true },
    );
  });
}

const safeJson = (b: Buffer): unknown => {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
};

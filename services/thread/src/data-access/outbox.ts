import { randomUUID } from 'node:crypto';
import { ThreadDeleted, publishEvent, type BusConnection, type Logger } from '@sidekiq/shared';
import type { Models, OutboxDoc } from './models';

/**
 * At-least-once ThreadDeleted without transactions (FerretDB has none), as in the sidekiq
 * service: the intent is written before the tombstone, the event published after it, then the
 * intent removed. A crash in between leaves the intent for the sweep. The sweep publishes only
 * if the tombstone exists: no tombstone means the delete itself never happened.
 */
export function threadOutbox(models: Models, bus: BusConnection, logger: Logger, graceMs: number) {
  const { Outbox, Tombstone } = models;

  async function publish(intent: OutboxDoc): Promise<void> {
    if (await Tombstone.exists({ _id: intent.threadId })) {
      const event = ThreadDeleted.create({ threadId: intent.threadId, userId: intent.userId, deletedAt: intent.deletedAt.toISOString() }, { id: intent._id });
      await publishEvent(bus, event);
    }
    await Outbox.deleteOne({ _id: intent._id });
  }

  return {
    async intend(threadId: string, userId: string, deletedAt: Date): Promise<OutboxDoc> {
      const intent: OutboxDoc = { _id: randomUUID(), threadId, userId, deletedAt, createdAt: new Date() };
      await Outbox.create(intent);
      return intent;
    },
    /** Publishes right after the delete; a failure is left to the sweep. */
    async flush(intent: OutboxDoc): Promise<void> {
      await publish(intent).catch((err) => logger.warn({ err: String(err), intent: intent._id }, 'outbox: publish failed; the sweep will retry'));
    },
    async sweep(): Promise<number> {
      const due = await Outbox.find({ createdAt: { $lte: new Date(Date.now() - graceMs) } }).sort({ createdAt: 1 }).limit(100).lean<OutboxDoc[]>();
      for (const intent of due) await publish(intent);
      return due.length;
    },
  };
}
export type ThreadOutbox = ReturnType<typeof threadOutbox>;

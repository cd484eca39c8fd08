import { randomUUID } from 'node:crypto';
import { SidekiqDeleted, SidekiqUpdated, publishEvent, type BusConnection, type Logger } from '@sidekiq/shared';
import type { Models, OutboxDoc } from './models';
import type { SidekiqRepository } from './sidekiq-repository';

/**
 * At-least-once publishing of SidekiqUpdated/SidekiqDeleted without transactions (FerretDB has
 * none). Before a change, an intent is written; after it, the event is built from the *current*
 * state and published, then the intent is removed. If the process dies in between, the sweep
 * publishes intents older than the grace period. Republishing the current state is harmless:
 * consumers are version-guarded.
 */
export function sidekiqOutbox(models: Models, sidekiqs: SidekiqRepository, bus: BusConnection, logger: Logger, graceMs: number) {
  const { Outbox } = models;

  async function publish(intent: OutboxDoc): Promise<void> {
    const current = await sidekiqs.findById(intent.sidekiqId);
    if (intent.kind === 'updated' && current) {
      const event = SidekiqUpdated.create(
        { id: current.id, userId: current.userId, name: current.name, avatar: current.avatar, version: current.version, updatedAt: current.updatedAt.toISOString() },
        { id: intent._id },
      );
      await publishEvent(bus, event);
    } else if (intent.kind === 'deleted' && !current) {
      const event = SidekiqDeleted.create({ id: intent.sidekiqId, userId: intent.userId, version: intent.version, deletedAt: intent.createdAt.toISOString() }, { id: intent._id });
      await publishEvent(bus, event);
    }
    // Otherwise the change never happened (an update of a deleted Sidekiq, a delete that failed): nothing to tell.
    await Outbox.deleteOne({ _id: intent._id });
  }

  return {
    /** Writes the intent; call before the change itself. */
    async intend(kind: OutboxDoc['kind'], sidekiqId: string, userId: string, version = 0): Promise<OutboxDoc> {
      const intent: OutboxDoc = { _id: randomUUID(), sidekiqId, userId, kind, version, createdAt: new Date() };
      await Outbox.create(intent);
      return intent;
    },

    /** Raises the version a pending delete event will carry (in memory and stored). */
    async raiseVersion(intent: OutboxDoc, version: number): Promise<void> {
      intent.version = version;
      await Outbox.updateOne({ _id: intent._id }, { $set: { version } });
    },

    /** Publishes right after the change; a failure is left to the sweep. */
    async flush(intent: OutboxDoc): Promise<void> {
      await publish(intent).catch((err) => logger.warn({ err: String(err), intent: intent._id }, 'outbox: publish failed; the sweep will retry'));
    },

    /** Publishes every intent older than the grace period (crashed requests). */
    async sweep(): Promise<number> {
      const due = await Outbox.find({ createdAt: { $lte: new Date(Date.now() - graceMs) } })
        .sort({ createdAt: 1 })
        .limit(100)
        .lean<OutboxDoc[]>();
      for (const intent of due) await publish(intent);
      return due.length;
    },
  };
}
export type SidekiqOutbox = ReturnType<typeof sidekiqOutbox>;

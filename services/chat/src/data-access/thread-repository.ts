import { isDuplicateKey } from '@sidekiq/shared';
import type { Models, RecentMessage, ThreadDoc } from './models';

/** Messages kept on a thread for the next prompt (the history budget trims further). */
export const RECENT_KEEP = 40;

export function threadRepository({ Thread, Message }: Models) {
  return {
    /** Owner-scoped: a foreign thread and a missing one are both null. */
    async findOwned(userId: string, threadId: string): Promise<ThreadDoc | null> {
      return Thread.findOne({ _id: threadId, userId }).lean<ThreadDoc>();
    },
    /** Idempotent: a retry of the same request re-inserts the same id and changes nothing. */
    async insert(doc: ThreadDoc): Promise<void> {
      await Thread.create(doc).catch((err) => {
        if (!isDuplicateKey(err)) throw err;
      });
    },
    async findById(threadId: string): Promise<ThreadDoc | null> {
      return Thread.findOne({ _id: threadId }).lean<ThreadDoc>();
    },
    /**
     * Appends a finished turn to the thread's recent history. `$push` with `$slice` is atomic on
     * MongoDB, so concurrent turns of one thread both land. FerretDB ignores `$slice`; there the
     * array is trimmed by a separate write once it has doubled (`knownLength` is what the turn
     * read at its start), which keeps it bounded.
     */
    async appendRecent(threadId: string, entries: RecentMessage[], knownLength: number): Promise<void> {
      if (!entries.length) return;
      await Thread.updateOne({ _id: threadId }, { $push: { recent: { $each: entries, $slice: -RECENT_KEEP } } });
      if (knownLength + entries.length > 2 * RECENT_KEEP) {
        const doc = await Thread.findOne({ _id: threadId }).lean<ThreadDoc>();
        const recent = doc?.recent ?? [];
        if (recent.length > RECENT_KEEP) await Thread.updateOne({ _id: threadId }, { $set: { recent: recent.slice(-RECENT_KEEP) } });
      }
    },
    /** Removes a thread and its messages (ThreadDeleted from the thread service). */
    async deleteWithMessages(userId: string, threadId: string): Promise<number> {
      const res = await Message.deleteMany({ threadId, userId });
      await Thread.deleteOne({ _id: threadId, userId });
      return res.deletedCount;
    },
    /** Keyset page of threads for view rebuilds. */
    async page(userId: string | undefined, afterId: string | undefined, limit: number): Promise<ThreadDoc[]> {
      const filter: Record<string, unknown> = {};
      if (userId) filter.userId = userId;
      if (afterId) filter._id = { $gt: afterId };
      return Thread.find(filter).sort({ _id: 1 }).limit(limit).lean<ThreadDoc[]>();
    },
  };
}
export type ThreadRepository = ReturnType<typeof threadRepository>;

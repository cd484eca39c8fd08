import { isDuplicateKey } from '@sidekiq/shared';
import type { Models, ThreadDoc } from './models';


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

import { isDuplicateKey } from '@sidekiq/shared';
import type { MessageDoc, Models, StoredStatus } from './models';

export function messageRepository({ Message }: Models) {
  return {
    /** Idempotent insert: the ids come from the request record, so a retry collides harmlessly. */
    async insert(doc: MessageDoc): Promise<void> {
      await Message.create(doc).catch((err) => {
        if (!isDuplicateKey(err)) throw err;
      });
    },
    async findById(id: string): Promise<MessageDoc | null> {
      return Message.findOne({ _id: id }).lean<MessageDoc>();
    },
    /**
     * The newest messages of a thread before `before` (exclusive), newest first. With `beforeId`
     * the position is (createdAt, _id), the sort key, so messages sharing a millisecond are
     * neither skipped nor repeated across pages.
     */
    async newest(threadId: string, userId: string, limit: number, before?: Date, beforeId?: string): Promise<MessageDoc[]> {
      const filter: Record<string, unknown> = { threadId, userId };
      if (before && beforeId) filter.$or = [{ createdAt: { $lt: before } }, { createdAt: before, _id: { $lt: beforeId } }];
      else if (before) filter.createdAt = { $lt: before };
      return Message.find(filter).sort({ createdAt: -1, _id: -1 }).limit(limit).lean<MessageDoc[]>();
    },
    /** Checkpoints or finishes an assistant message: one write, never per token. */
    async setContent(id: string, content: string, status: StoredStatus): Promise<void> {
      await Message.updateOne({ _id: id }, { $set: { content, status, updatedAt: new Date() } });
    },
    async firstUserMessage(threadId: string): Promise<MessageDoc | null> {
      return Message.findOne({ threadId, role: 'user' }).sort({ createdAt: 1 }).lean<MessageDoc>();
    },
    /** The thread's last activity is its last user message (what ThreadActivity reports). */
    async lastUserMessage(threadId: string): Promise<MessageDoc | null> {
      return Message.findOne({ threadId, role: 'user' }).sort({ createdAt: -1 }).lean<MessageDoc>();
    },
  };
}
export type MessageRepository = ReturnType<typeof messageRepository>;

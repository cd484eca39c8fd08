import { ThreadDeleted, on } from '@sidekiq/shared';
import type { ThreadRepository } from '../../data-access/thread-repository';

/** ThreadDeleted (from the thread service) → the thread's messages go too. Idempotent. */
export const onThreadDeleted = (threads: ThreadRepository) =>
  on(ThreadDeleted, async (event, { logger }) => {
    const removed = await threads.deleteWithMessages(event.data.userId, event.data.threadId);
    logger.info({ threadId: event.data.threadId, removed }, 'thread messages removed');
  });

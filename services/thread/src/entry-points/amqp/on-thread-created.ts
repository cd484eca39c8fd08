import { ThreadCreated, on } from '@sidekiq/shared';
import type { ThreadProjections } from '../../domain/projections';

/** ThreadCreated → the thread's view, with the newest Sidekiq snapshot known so far. */
export const onThreadCreated = (projections: ThreadProjections) =>
  on(ThreadCreated, async (event, { logger }) => {
    logger.debug({ threadId: event.data.threadId }, 'ThreadCreated received');
    const { changed } = await projections.threadCreated(event.data);
    if (!changed) logger.debug({ threadId: event.data.threadId }, 'ThreadCreated changed nothing');
  });

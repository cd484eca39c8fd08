import { ThreadDeleted, on } from '@sidekiq/shared';
import type { ThreadProjections } from '../../domain/projections';

/** ThreadDeleted (ours coming back, or another service's) → tombstone; the view goes away for good. */
export const onThreadDeleted = (projections: ThreadProjections) =>
  on(ThreadDeleted, async (event, { logger }) => {
    logger.debug({ threadId: event.data.threadId }, 'ThreadDeleted received');
    await projections.threadDeleted(event.data);
  });

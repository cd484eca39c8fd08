import { ThreadActivity, on } from '@sidekiq/shared';
import type { ThreadProjections } from '../../domain/projections';

/** ThreadActivity → lastActivityAt (the latest turn) and the default title (the earliest turn). */
export const onThreadActivity = (projections: ThreadProjections) =>
  on(ThreadActivity, async (event, { logger }) => {
    logger.debug({ threadId: event.data.threadId }, 'ThreadActivity received');
    await projections.threadActivity(event.id, event.data);
  });

import { SidekiqDeleted, on } from '@sidekiq/shared';
import type { ThreadProjections } from '../../domain/projections';

/** SidekiqDeleted → views keep the last known name and avatar and say the Sidekiq is gone. */
export const onSidekiqDeleted = (projections: ThreadProjections) =>
  on(SidekiqDeleted, async (event, { logger }) => {
    logger.debug({ sidekiqId: event.data.id, version: event.data.version }, 'SidekiqDeleted received');
    await projections.sidekiqDeleted(event.data);
  });

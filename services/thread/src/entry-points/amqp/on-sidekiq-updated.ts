import { SidekiqUpdated, on } from '@sidekiq/shared';
import type { ThreadProjections } from '../../domain/projections';

/** SidekiqUpdated → every view of that Sidekiq shows the newest version's name and avatar. */
export const onSidekiqUpdated = (projections: ThreadProjections) =>
  on(SidekiqUpdated, async (event, { logger }) => {
    logger.debug({ sidekiqId: event.data.id, version: event.data.version }, 'SidekiqUpdated received');
    await projections.sidekiqUpdated(event.data);
  });

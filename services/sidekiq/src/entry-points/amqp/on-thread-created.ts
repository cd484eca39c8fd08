import { ThreadCreated, on } from '@sidekiq/shared';
import type { SidekiqUseCases } from '../../domain/use-cases';

/** ThreadCreated → the Sidekiq's threadCount and lastUsedAt, exactly once per thread. */
export const onThreadCreated = (useCases: SidekiqUseCases) =>
  on(ThreadCreated, async (event, { logger }) => {
    logger.debug({ threadId: event.data.threadId }, 'ThreadCreated received');
    const sidekiq = event.data.sidekiq;
    if (!sidekiq) return;
    const outcome = await useCases.recordThreadCreated(sidekiq.id, event.data.threadId, new Date(event.data.createdAt));
    if (outcome !== 'counted') logger.info({ outcome, sidekiqId: sidekiq.id }, 'ThreadCreated changed nothing');
  });

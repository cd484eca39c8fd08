import { consumeEvents, type BusConnection } from '@sidekiq/shared';
import type { ThreadProjections } from '../../domain/projections';
import { onThreadCreated } from './on-thread-created';
import { onThreadActivity } from './on-thread-activity';
import { onThreadDeleted } from './on-thread-deleted';
import { onSidekiqUpdated } from './on-sidekiq-updated';
import { onSidekiqDeleted } from './on-sidekiq-deleted';

export const THREAD_EVENTS_QUEUE = 'thread.events.v1';

/**
 * Every event the thread service consumes, in one place. Handlers may run concurrently (prefetch):
 * the projections are order-independent and their writes go through the per-thread converge
 * loop, so concurrency costs at most a few extra rounds, never a wrong view.
 */
export async function subscribe(bus: BusConnection, projections: ThreadProjections, options: { retryDelaysMs?: number[]; queue?: string } = {}): Promise<void> {
  await consumeEvents(bus, {
    queue: options.queue ?? THREAD_EVENTS_QUEUE,
    subscriptions: [
      onThreadCreated(projections),
      onThreadActivity(projections),
      onThreadDeleted(projections),
      onSidekiqUpdated(projections),
      onSidekiqDeleted(projections),
    ],
    prefetch: 16,
    retryDelaysMs: options.retryDelaysMs,
  });
}

import { consumeEvents, type BusConnection } from '@sidekiq/shared';
import type { SidekiqUseCases } from '../../domain/use-cases';
import { onThreadCreated } from './on-thread-created';

export const SIDEKIQ_EVENTS_QUEUE = 'sidekiq.events.v1';

/** Every event the sidekiq service consumes, in one place. */
export async function subscribe(bus: BusConnection, useCases: SidekiqUseCases, retryDelaysMs?: number[]): Promise<void> {
  await consumeEvents(bus, {
    queue: SIDEKIQ_EVENTS_QUEUE,
    subscriptions: [onThreadCreated(useCases)],
    prefetch: 16,
    retryDelaysMs,
  });
}

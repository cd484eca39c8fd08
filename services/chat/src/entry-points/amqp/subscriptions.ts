import { consumeEvents, type BusConnection } from '@sidekiq/shared';
import type { ThreadRepository } from '../../data-access/thread-repository';
import { onThreadDeleted } from './on-thread-deleted';

export const CHAT_EVENTS_QUEUE = 'chat.events.v1';

/** Every domain event the chat service consumes, in one place. */
export async function subscribe(bus: BusConnection, threads: ThreadRepository, retryDelaysMs?: number[]): Promise<void> {
  await consumeEvents(bus, { queue: CHAT_EVENTS_QUEUE, subscriptions: [onThreadDeleted(threads)], retryDelaysMs });
}

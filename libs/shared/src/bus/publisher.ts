import type { BusConnection } from './connection';
import type { Envelope } from '../contracts/events';
import { topology } from './topology';

/** Publishes a domain event and resolves when the broker has it (publisher confirms). */
export async function publishEvent(bus: BusConnection, event: Envelope, extraHeaders: Record<string, unknown> = {}): Promise<void> {
  await bus.publishConfirmed(topology.eventsExchange, `${event.type}.v${event.version}`, event, {
    messageId: event.id,
    type: event.type,
    timestamp: Math.floor(Date.parse(event.occurredAt) / 1000),
    headers: extraHeaders,
  });
}

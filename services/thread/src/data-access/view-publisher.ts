import { topology, type BusConnection, type Logger, type ViewChange } from '@sidekiq/shared';
import { toListItem, type ViewRecord } from '../domain/view';

/**
 * Live sidebar: every change of a user's view goes to the view-changes fanout exchange, where
 * each gateway instance picks up the frames of its connected users. Best effort: the view in
 * the database is the truth, a lost frame is repaired by the client's next list request.
 */
export function viewPublisher(bus: BusConnection, logger: Logger) {
  async function send(change: ViewChange): Promise<void> {
    await bus.publishConfirmed(topology.viewChangesExchange, '', change).catch((err) =>
      logger.warn({ err: String(err), userId: change.userId }, 'view change not published'),
    );
  }
  return {
    upserted: (v: ViewRecord) => send({ userId: v.userId, frame: { type: 'thread.upserted', thread: toListItem(v) } }),
    removed: (userId: string, threadId: string) => send({ userId, frame: { type: 'thread.removed', threadId } }),
  };
}
export type ViewPublisher = ReturnType<typeof viewPublisher>;

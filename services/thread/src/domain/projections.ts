import type { Avatar, SidekiqSnapshot } from '@sidekiq/shared';
import type { FactsRepository } from '../data-access/facts-repository';
import type { Converge } from '../data-access/converge';

/** How many thread views a SidekiqUpdated converges at once. */
const FAN_OUT = 8;

/**
 * The event projections. Each records its fact (idempotently) and then converges the views the
 * fact can affect. Order of arrival does not matter: the view is a function of the set of facts,
 * so duplicates change nothing and a late, older event cannot roll a view back.
 */
export function threadProjections(facts: FactsRepository, converge: Converge) {
  async function convergeAll(threadIds: string[]): Promise<void> {
    for (let i = 0; i < threadIds.length; i += FAN_OUT) await Promise.all(threadIds.slice(i, i + FAN_OUT).map((id) => converge(id)));
  }

  return {
    async threadCreated(d: { threadId: string; userId: string; sidekiq: SidekiqSnapshot | null; title: string | null; createdAt: string }) {
      // The snapshot joins the per-Sidekiq history, where a newer SidekiqUpdated (earlier or later) outranks it.
      if (d.sidekiq) await facts.recordSnapshot({ kind: 'state', sidekiqId: d.sidekiq.id, version: d.sidekiq.version, name: d.sidekiq.name, avatar: d.sidekiq.avatar });
      await facts.recordCreated({ threadId: d.threadId, userId: d.userId, sidekiqId: d.sidekiq?.id ?? null, title: d.title, createdAt: new Date(d.createdAt) });
      return converge(d.threadId);
    },

    /** Stored even before its ThreadCreated arrives; the view appears with it merged in. */
    async threadActivity(eventId: string, d: { threadId: string; at: string; userMessagePreview: string }) {
      await facts.recordActivity(d.threadId, { id: eventId, at: new Date(d.at), preview: d.userMessagePreview });
      return converge(d.threadId);
    },

    /** The tombstone outlives a late or redelivered ThreadCreated: a deleted thread never comes back. */
    async threadDeleted(d: { threadId: string; userId: string; deletedAt: string }) {
      await facts.recordTombstone(d.threadId, d.userId, new Date(d.deletedAt));
      const result = await converge(d.threadId);
      await facts.forgetThread(d.threadId);
      return result;
    },

    async sidekiqUpdated(d: { id: string; name: string; avatar: Avatar; version: number }) {
      await facts.recordSnapshot({ kind: 'state', sidekiqId: d.id, version: d.version, name: d.name, avatar: d.avatar });
      await convergeAll(await facts.threadIdsOfSidekiq(d.id));
    },

    async sidekiqDeleted(d: { id: string; version: number }) {
      await facts.recordSnapshot({ kind: 'deleted', sidekiqId: d.id, version: d.version });
      await convergeAll(await facts.threadIdsOfSidekiq(d.id));
    },
  };
}
export type ThreadProjections = ReturnType<typeof threadProjections>;

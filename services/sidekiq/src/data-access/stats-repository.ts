import type { Models, StatsDoc } from './models';
import type { SidekiqStats } from '../domain/sidekiq';
import { isDuplicateKey } from '@sidekiq/shared';

const MAX_CONVERGE_ROUNDS = 20;

/**
 * threadCount and lastUsedAt, exactly once per thread. A thread use is recorded by inserting a
 * document keyed by the thread id (a duplicate insert is a no-op), and the stats are then
 * *derived* from those documents, never incremented: redelivery, duplicate publishing and
 * out-of-order events cannot double-count. Concurrent consumers may write a stale derivation,
 * so each writer re-reads after writing and repeats until the stored stats match the truth;
 * the last writer always sees the final state, on MongoDB and on FerretDB alike.
 */
export function statsRepository({ Stats, ThreadUse }: Models) {
  async function derive(sidekiqId: string): Promise<SidekiqStats> {
    const [threadCount, latest] = await Promise.all([
      ThreadUse.countDocuments({ sidekiqId }),
      ThreadUse.findOne({ sidekiqId }).sort({ usedAt: -1 }).lean(),
    ]);
    return { threadCount, lastUsedAt: latest?.usedAt ?? null };
  }

  const same = (a: SidekiqStats, b: Pick<StatsDoc, 'threadCount' | 'lastUsedAt'> | null) =>
    b !== null && a.threadCount === b.threadCount && (a.lastUsedAt?.getTime() ?? null) === (b.lastUsedAt?.getTime() ?? null);

  return {
    /** Records that `threadId` was started with the Sidekiq; false if it was already recorded. */
    async recordThreadUse(sidekiqId: string, threadId: string, usedAt: Date): Promise<boolean> {
      try {
        await ThreadUse.create({ _id: threadId, sidekiqId, usedAt });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },

    /** Rewrites the stored stats from the thread uses until they agree. */
    async converge(sidekiqId: string, userId: string): Promise<SidekiqStats> {
      for (let round = 0; round < MAX_CONVERGE_ROUNDS; round++) {
        const truth = await derive(sidekiqId);
        const stored = await Stats.findOne({ _id: sidekiqId }).lean<StatsDoc>();
        if (same(truth, stored)) return truth;
        await Stats.updateOne({ _id: sidekiqId }, { $set: { userId, ...truth } }, { upsert: true }).catch((err) => {
          if (!isDuplicateKey(err)) throw err; // two first upserts raced: the next round sees the winner
        });
      }
      throw new Error(`stats of ${sidekiqId} did not converge`);
    },

    async forSidekiqs(ids: string[]): Promise<Map<string, SidekiqStats>> {
      const docs = await Stats.find({ _id: { $in: ids } }).lean<StatsDoc[]>();
      return new Map(docs.map((d) => [d._id, { threadCount: d.threadCount, lastUsedAt: d.lastUsedAt ?? null }]));
    },

    async removeFor(sidekiqId: string): Promise<void> {
      await ThreadUse.deleteMany({ sidekiqId });
      await Stats.deleteOne({ _id: sidekiqId });
    },
  };
}
export type StatsRepository = ReturnType<typeof statsRepository>;

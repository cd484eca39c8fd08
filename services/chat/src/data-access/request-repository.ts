import { isDuplicateKey } from '@sidekiq/shared';
import type { ActiveDoc, Models, RequestDoc } from './models';

export const requestKey = (userId: string, requestId: string) => `${userId}:${requestId}`;

export function requestRepository({ Request, Active }: Models) {
  return {
    /** Claims the request: true for the first claimant, false if it already exists. */
    async claim(doc: RequestDoc): Promise<boolean> {
      try {
        await Request.create(doc);
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },
    async find(userId: string, requestId: string): Promise<RequestDoc | null> {
      return Request.findOne({ _id: requestKey(userId, requestId) }).lean<RequestDoc>();
    },
    async finish(userId: string, requestId: string, update: Pick<RequestDoc, 'status' | 'finishReason' | 'usage' | 'error'>): Promise<void> {
      const key = requestKey(userId, requestId);
      await Request.updateOne({ _id: key }, { $set: update });
      await Active.deleteOne({ _id: key });
    },
    /**
     * Marks a claimed request as running on `owner`, in a collection of running turns only: the
     * orphan sweep reads that instead of every request ever made.
     */
    async markActive(key: string, owner: string, replyTo: string): Promise<void> {
      await Active.create({ _id: key, owner, replyTo: [replyTo], createdAt: new Date() }).catch((err) => {
        if (!isDuplicateKey(err)) throw err;
      });
    },
    /**
     * One more gateway queue listens to the running turn (a resume attached it): the orphan
     * sweep tells it too if the owner dies. Only the owner writes this entry.
     */
    async addReplyTo(key: string, replyTo: string): Promise<void> {
      await Active.updateOne({ _id: key }, { $addToSet: { replyTo } });
    },
    /** The gateway queues that listened to a running turn (empty once it finished). */
    async replyQueues(key: string): Promise<string[]> {
      const active = await Active.findOne({ _id: key }).lean<ActiveDoc>();
      return active?.replyTo ?? [];
    },
    /** Running requests of owners that are not in `liveOwners` (their instance died mid-turn), with their listeners. */
    async orphaned(liveOwners: string[], limit: number): Promise<Array<{ request: RequestDoc; replyTo: string[] }>> {
      const active = await Active.find({ owner: { $nin: liveOwners } }).limit(limit).lean<ActiveDoc[]>();
      if (!active.length) return [];
      const requests = await Request.find({ _id: { $in: active.map((a) => a._id) } }).lean<RequestDoc[]>();
      const running = new Set(requests.filter((r) => r.status === 'running').map((r) => r._id));
      // Entries whose request already finished (a crash between the two writes of finish) are stale.
      await Active.deleteMany({ _id: { $in: active.map((a) => a._id).filter((id) => !running.has(id)) } });
      const listeners = new Map(active.map((a) => [a._id, a.replyTo ?? []]));
      return requests.filter((r) => running.has(r._id)).map((request) => ({ request, replyTo: listeners.get(request._id) ?? [] }));
    },
  };
}
export type RequestRepository = ReturnType<typeof requestRepository>;

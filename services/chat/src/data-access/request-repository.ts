import { isDuplicateKey } from '@sidekiq/shared';
import type { Models, RequestDoc } from './models';

export const requestKey = (userId: string, requestId: string) => `${userId}:${requestId}`;

export function requestRepository({ Request }: Models) {
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
    /** A request that failed before it created anything is forgotten, so a resend starts afresh. */
    async release(userId: string, requestId: string): Promise<void> {
      await Request.deleteOne({ _id: requestKey(userId, requestId), status: 'running' });
    },
    async finish(userId: string, requestId: string, update: Pick<RequestDoc, 'status' | 'finishReason' | 'usage' | 'error'>): Promise<void> {
      await Request.updateOne({ _id: requestKey(userId, requestId) }, { $set: update });
    },
    /** Running requests of owners that are not in `liveOwners` (their instance died mid-turn). */
    async orphaned(liveOwners: string[], limit: number): Promise<RequestDoc[]> {
      return Request.find({ status: 'running', owner: { $nin: liveOwners } }).limit(limit).lean<RequestDoc[]>();
    },
  };
}
export type RequestRepository = ReturnType<typeof requestRepository>;

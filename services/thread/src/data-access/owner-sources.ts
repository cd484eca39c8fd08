import {
  CHAT_RPC_QUEUE, SIDEKIQ_RPC_QUEUE, snapshotsResultSchema, threadFactsResultSchema, type RpcClient, type ThreadFactsResult,
} from '@sidekiq/shared';
import type { OwnerSidekiq } from '../domain/rebuild-diff';

const TIMEOUT_MS = 15_000;
const SNAPSHOT_BATCH = 500; // the contract's maximum

export interface OwnerSources {
  threadFacts(userId: string | undefined, afterId: string | undefined): Promise<ThreadFactsResult>;
  sidekiqs(ids: string[]): Promise<Map<string, OwnerSidekiq>>;
}

/** The owning services, over RPC on the bus: chat owns threads, sidekiq owns Sidekiqs. */
export function ownerSources(rpc: RpcClient, queues: { chat?: string; sidekiq?: string } = {}, pageSize = 200): OwnerSources {
  const chatQueue = queues.chat ?? CHAT_RPC_QUEUE;
  const sidekiqQueue = queues.sidekiq ?? SIDEKIQ_RPC_QUEUE;
  return {
    threadFacts: (userId, afterId) =>
      rpc.call(chatQueue, { method: 'threadFacts', limit: pageSize, ...(userId ? { userId } : {}), ...(afterId ? { afterId } : {}) }, threadFactsResultSchema, TIMEOUT_MS),
    async sidekiqs(ids) {
      const out = new Map<string, OwnerSidekiq>();
      for (let i = 0; i < ids.length; i += SNAPSHOT_BATCH) {
        const batch = await rpc.call(sidekiqQueue, { method: 'snapshots', ids: ids.slice(i, i + SNAPSHOT_BATCH) }, snapshotsResultSchema, TIMEOUT_MS);
        for (const s of batch) out.set(s.id, { id: s.id, name: s.name, avatar: s.avatar, version: s.version });
      }
      return out;
    },
  };
}

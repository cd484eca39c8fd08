import { AppError, SIDEKIQ_RPC_QUEUE, resolvedSidekiqSchema, type ResolvedSidekiq, type RpcClient } from '@sidekiq/shared';

/** Asks the sidekiq service, over RPC, to verify ownership and hand over the instructions. */
export function sidekiqClient(rpc: RpcClient, timeoutMs: number) {
  return {
    /** The Sidekiq, or null when the user has none by that id (deleted, foreign or never was). */
    async resolve(userId: string, sidekiqId: string): Promise<ResolvedSidekiq | null> {
      try {
        return await rpc.call(SIDEKIQ_RPC_QUEUE, { method: 'resolveForChat', userId, sidekiqId }, resolvedSidekiqSchema, timeoutMs);
      } catch (err) {
        if (err instanceof AppError && err.code === 'SIDEKIQ_NOT_FOUND') return null;
        throw err;
      }
    },
  };
}
export type SidekiqClient = ReturnType<typeof sidekiqClient>;

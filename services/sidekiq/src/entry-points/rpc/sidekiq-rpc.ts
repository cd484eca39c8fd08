import { SIDEKIQ_RPC_QUEUE, sidekiqRpcRequestSchema, serveRpc, type BusConnection, type SidekiqRpcRequest } from '@sidekiq/shared';
import type { SidekiqUseCases } from '../../domain/use-cases';

/**
 * The sidekiq service's RPC: "resolve for chat" (a foreign and a missing id both answer
 * SIDEKIQ_NOT_FOUND) and snapshots for rebuilding thread list views.
 */
export async function serveSidekiqRpc(bus: BusConnection, useCases: SidekiqUseCases): Promise<void> {
  await serveRpc<typeof sidekiqRpcRequestSchema, unknown>(bus, SIDEKIQ_RPC_QUEUE, sidekiqRpcRequestSchema, async (req: SidekiqRpcRequest) => {
    switch (req.method) {
      case 'resolveForChat':
        return useCases.resolveForChat(req.userId, req.sidekiqId);
      case 'snapshots':
        return useCases.snapshots(req.ids);
      default: {
        const never: never = req;
        throw new Error(`unknown method ${JSON.stringify(never)}`);
      }
    }
  });
}

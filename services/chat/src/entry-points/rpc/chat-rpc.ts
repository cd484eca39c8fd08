import { CHAT_RPC_QUEUE, chatRpcRequestSchema, serveRpc, type BusConnection, type ThreadFactsResult } from '@sidekiq/shared';
import type { ThreadRepository } from '../../data-access/thread-repository';
import type { MessageRepository } from '../../data-access/message-repository';

/** The chat service's RPC: thread facts from the source of truth, for rebuilding list views. */
export async function serveChatRpc(bus: BusConnection, threads: ThreadRepository, messages: MessageRepository): Promise<void> {
  await serveRpc<typeof chatRpcRequestSchema, ThreadFactsResult>(bus, CHAT_RPC_QUEUE, chatRpcRequestSchema, async (req) => {
    const page = await threads.page(req.userId, req.afterId, req.limit);
    const items = await Promise.all(
      page.map(async (t) => {
        const [first, last] = await Promise.all([messages.firstUserMessage(t._id), messages.lastUserMessage(t._id)]);
        return {
          threadId: t._id,
          userId: t.userId,
          sidekiqId: t.sidekiqId,
          createdAt: t.createdAt.toISOString(),
          lastActivityAt: (last?.createdAt ?? t.createdAt).toISOString(),
          firstUserMessagePreview: first ? first.content.slice(0, 200) : null,
        };
      }),
    );
    return { items, nextAfterId: page.length === req.limit ? page[page.length - 1]!._id : null };
  });
}

import { z } from 'zod';
import { idSchema, isoDate } from './common';

/** The chat service's RPC queue: the source of truth for rebuilding thread list views. */
export const CHAT_RPC_QUEUE = 'chat.rpc.v1';

export const threadFactsRequestSchema = z.object({
  method: z.literal('threadFacts'),
  /** One user's threads, or everyone's when absent. */
  userId: idSchema.optional(),
  /** Keyset paging by thread id. */
  afterId: idSchema.optional(),
  limit: z.number().int().min(1).max(500).default(200),
});
export type ThreadFactsRequest = z.infer<typeof threadFactsRequestSchema>;

/** What the chat service knows of a thread: enough to recompute its list item. */
export const threadFactSchema = z.object({
  threadId: idSchema,
  userId: idSchema,
  sidekiqId: idSchema.nullable(),
  createdAt: isoDate,
  lastActivityAt: isoDate,
  /** The first user message, cut to 200 characters: the default title. */
  firstUserMessagePreview: z.string().nullable(),
});
export const threadFactsResultSchema = z.object({ items: z.array(threadFactSchema), nextAfterId: idSchema.nullable() });
export type ThreadFact = z.infer<typeof threadFactSchema>;
export type ThreadFactsResult = z.infer<typeof threadFactsResultSchema>;

export const chatRpcRequestSchema = z.discriminatedUnion('method', [threadFactsRequestSchema]);

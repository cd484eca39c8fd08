import { z } from 'zod';
import { idSchema, isoDate, sidekiqSummarySchema } from './common';

/** One row of a user's thread list (the sidebar). */
export const threadListItemSchema = z.object({
  id: idSchema,
  title: z.string().nullable(),
  sidekiq: sidekiqSummarySchema.nullable(),
  sidekiqDeleted: z.boolean(),
  pinned: z.boolean(),
  archived: z.boolean(),
  createdAt: isoDate,
  lastActivityAt: isoDate,
});
export type ThreadListItem = z.infer<typeof threadListItemSchema>;

export const messageSchema = z.object({
  id: idSchema,
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  status: z.enum(['complete', 'partial', 'error']),
  createdAt: isoDate,
});
export type Message = z.infer<typeof messageSchema>;

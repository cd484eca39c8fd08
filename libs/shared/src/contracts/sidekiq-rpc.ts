import { z } from 'zod';
import { avatarSchema, idSchema } from './common';

/** RPC "resolve sidekiq for chat": ownership check and the instructions, asked at request time. */
export const SIDEKIQ_RPC_QUEUE = 'sidekiq.rpc.v1';

export const resolveForChatRequestSchema = z.object({
  method: z.literal('resolveForChat'),
  userId: idSchema,
  sidekiqId: idSchema,
});
export type ResolveForChatRequest = z.infer<typeof resolveForChatRequestSchema>;

export const resolvedSidekiqSchema = z.object({
  id: idSchema,
  name: z.string(),
  avatar: avatarSchema,
  instructions: z.string(),
  version: z.number().int().min(1),
  model: z.string().nullable(),
  temperature: z.number().nullable(),
});
export type ResolvedSidekiq = z.infer<typeof resolvedSidekiqSchema>;

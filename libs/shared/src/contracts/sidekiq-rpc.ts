import { z } from 'zod';
import { avatarSchema, idSchema, isoDate, sidekiqSnapshotSchema } from './common';

/** The sidekiq service's RPC queue: "resolve for chat" and snapshots for view rebuilds. */
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

/** For rebuilding list views: the current snapshot of each id; a missing id was deleted (or never was). */
export const snapshotsRequestSchema = z.object({
  method: z.literal('snapshots'),
  ids: z.array(idSchema).max(500),
});
export const snapshotsResultSchema = z.array(sidekiqSnapshotSchema.extend({ userId: idSchema, updatedAt: isoDate }));
export type SnapshotsResult = z.infer<typeof snapshotsResultSchema>;

export const sidekiqRpcRequestSchema = z.discriminatedUnion('method', [resolveForChatRequestSchema, snapshotsRequestSchema]);
export type SidekiqRpcRequest = z.infer<typeof sidekiqRpcRequestSchema>;

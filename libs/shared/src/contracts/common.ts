import { z } from 'zod';

/** Ids are opaque strings; a malformed id is simply one that does not exist. */
export const idSchema = z.string().min(1).max(128);

export const avatarSchema = z.object({
  type: z.enum(['initials', 'emoji']),
  value: z.string().min(1).max(16),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'color must be #RRGGBB'),
});
export type Avatar = z.infer<typeof avatarSchema>;

/** What other services may know of a Sidekiq: never its instructions. */
export const sidekiqSummarySchema = z.object({
  id: idSchema,
  name: z.string(),
  avatar: avatarSchema,
});
export type SidekiqSummary = z.infer<typeof sidekiqSummarySchema>;

/** A summary that knows which version of the Sidekiq it was taken from, for version guards. */
export const sidekiqSnapshotSchema = sidekiqSummarySchema.extend({ version: z.number().int().min(1) });
export type SidekiqSnapshot = z.infer<typeof sidekiqSnapshotSchema>;

export const isoDate = z.iso.datetime({ offset: true });

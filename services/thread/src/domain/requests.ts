import { z } from 'zod';
import { idSchema } from '@sidekiq/shared';

export const TITLE_MAX = 200;

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(500).optional(),
  sidekiqId: idSchema.optional(),
  /** Absent: archived and not archived alike. */
  archived: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});
export type ListQuery = z.infer<typeof listQuerySchema>;

export const patchThreadSchema = z
  .object({
    title: z.string().trim().min(1, 'title must not be empty').max(TITLE_MAX),
    pinned: z.boolean(),
    archived: z.boolean(),
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, {
    message: 'at least one of title, pinned, archived',
    // Only for an otherwise valid body: an unknown field is already the reason, named on its own.
    when: (payload) => payload.issues.length === 0,
  });
export type PatchThread = z.infer<typeof patchThreadSchema>;

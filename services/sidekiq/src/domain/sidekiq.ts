import { z } from 'zod';
import type { Avatar, ResolvedSidekiq } from '@sidekiq/shared';
import { avatarInputSchema } from './avatar';

/** The limits of SPEC, in one place. */
export const limits = { name: 100, description: 500, instructions: 8000, starters: 6, starter: 200 } as const;

const fields = {
  name: z
    .string()
    .trim()
    .min(1, 'name must not be empty')
    .max(limits.name)
    // Control and zero-width characters alone are not a name anyone can see.
    .refine((n) => /[\p{L}\p{N}\p{S}\p{P}]/u.test(n), 'name must contain a visible character'),
  description: z.string().max(limits.description),
  instructions: z.string().max(limits.instructions),
  avatar: avatarInputSchema,
  conversationStarters: z.array(z.string().trim().min(1).max(limits.starter)).max(limits.starters),
  model: z.string().trim().min(1).max(100).nullable(),
  temperature: z.number().min(0).max(2).nullable(),
};

export const createSidekiqSchema = z
  .object({
    name: fields.name,
    description: fields.description.default(''),
    instructions: fields.instructions.default(''),
    avatar: fields.avatar.optional(),
    conversationStarters: fields.conversationStarters.default([]),
    model: fields.model.default(null),
    temperature: fields.temperature.default(null),
  })
  .strict();
export type CreateSidekiqInput = z.infer<typeof createSidekiqSchema>;

export const updateSidekiqSchema = z
  .object({
    name: fields.name,
    description: fields.description,
    instructions: fields.instructions,
    avatar: fields.avatar,
    conversationStarters: fields.conversationStarters,
    model: fields.model,
    temperature: fields.temperature,
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'at least one field to change' });
export type UpdateSidekiqInput = z.infer<typeof updateSidekiqSchema>;

/** A Sidekiq as stored (without stats). */
export interface SidekiqRecord {
  id: string;
  userId: string;
  name: string;
  description: string;
  instructions: string;
  avatar: Avatar;
  conversationStarters: string[];
  model: string | null;
  temperature: number | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface SidekiqStats {
  threadCount: number;
  lastUsedAt: Date | null;
}

/** The public shape of SPEC. */
export function toPublicSidekiq(s: SidekiqRecord, stats: SidekiqStats | undefined) {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    instructions: s.instructions,
    avatar: s.avatar,
    conversationStarters: s.conversationStarters,
    model: s.model,
    temperature: s.temperature,
    threadCount: stats?.threadCount ?? 0,
    lastUsedAt: stats?.lastUsedAt?.toISOString() ?? null,
    version: s.version,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}
export type PublicSidekiq = ReturnType<typeof toPublicSidekiq>;


export const toResolved = (s: SidekiqRecord): ResolvedSidekiq => ({
  id: s.id,
  name: s.name,
  avatar: s.avatar,
  instructions: s.instructions,
  version: s.version,
  model: s.model,
  temperature: s.temperature,
});

/** Most recently used first; never used ones after, newest created first; id breaks ties. */
export function compareForList(a: { lastUsedAt: Date | null; createdAt: Date; id: string }, b: typeof a): number {
  const au = a.lastUsedAt?.getTime() ?? -Infinity;
  const bu = b.lastUsedAt?.getTime() ?? -Infinity;
  if (au !== bu) return bu - au;
  const ac = a.createdAt.getTime();
  const bc = b.createdAt.getTime();
  if (ac !== bc) return bc - ac;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

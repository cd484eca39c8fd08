import { randomUUID } from 'node:crypto';
import { notFound, AppError } from '@sidekiq/shared';
import type { SidekiqRepository } from '../data-access/sidekiq-repository';
import type { StatsRepository } from '../data-access/stats-repository';
import type { SidekiqOutbox } from '../data-access/outbox';
import { completeAvatar, defaultAvatarFor, initialsFromName } from './avatar';
import { compareForList, toPublicSidekiq, toResolved, type CreateSidekiqInput, type PublicSidekiq, type SidekiqRecord, type UpdateSidekiqInput } from './sidekiq';

export interface Deps {
  sidekiqs: SidekiqRepository;
  stats: StatsRepository;
  outbox: SidekiqOutbox;
  clock: () => Date;
  /** Fault injection for tests only: lets a test "kill" the process at an exact point. */
  faults?: FaultHooks;
}

/**
 * Points where a test can simulate a crash (throw, or close the bus and never resolve).
 * Production never sets them.
 */
export interface FaultHooks {
  /** After a change (create/update/delete) is in the database, before its event is published. */
  afterChangeWritten?: (kind: 'created' | 'updated' | 'deleted', sidekiqId: string) => Promise<void>;
  /** After a ThreadCreated's thread use is stored, before the stats are derived and the message acked. */
  afterThreadUseRecorded?: (threadId: string, sidekiqId: string) => Promise<void>;
}

/** A user may own at most this many Sidekiqs: the list is sorted in memory by usage. */
export const MAX_SIDEKIQS_PER_USER = 500;

export function sidekiqUseCases({ sidekiqs, stats, outbox, clock, faults = {} }: Deps) {
  async function withStats(record: SidekiqRecord): Promise<PublicSidekiq> {
    const s = await stats.forSidekiqs([record.id]);
    return toPublicSidekiq(record, s.get(record.id));
  }

  return {
    async create(userId: string, input: CreateSidekiqInput): Promise<PublicSidekiq> {
      if ((await sidekiqs.countOwned(userId)) >= MAX_SIDEKIQS_PER_USER) {
        throw new AppError('VALIDATION_FAILED', `At most ${MAX_SIDEKIQS_PER_USER} Sidekiqs per user`, { details: [{ field: '(body)', message: 'limit reached' }] });
      }
      const now = clock();
      const record: SidekiqRecord = {
        id: randomUUID(),
        userId,
        name: input.name,
        description: input.description,
        instructions: input.instructions,
        avatar: completeAvatar(input.avatar, input.name),
        conversationStarters: input.conversationStarters,
        model: input.model,
        temperature: input.temperature,
        version: 1,
        createdAt: now,
        updatedAt: now,
      };
      const intent = await outbox.intend('updated', record.id, userId);
      await sidekiqs.insert(record);
      await faults.afterChangeWritten?.('created', record.id);
      await outbox.flush(intent);
      return toPublicSidekiq(record, undefined);
    },

    async get(userId: string, id: string): Promise<PublicSidekiq> {
      const record = await sidekiqs.findOwned(userId, id);
      if (!record) throw notFound.sidekiq();
      return withStats(record);
    },

    /** Every Sidekiq of the user, most recently used first (never used: newest first). */
    async list(userId: string): Promise<PublicSidekiq[]> {
      const records = await sidekiqs.listOwned(userId, MAX_SIDEKIQS_PER_USER);
      const s = await stats.forSidekiqs(records.map((r) => r.id));
      return records
        .map((r) => ({ r, lastUsedAt: s.get(r.id)?.lastUsedAt ?? null }))
        .sort((a, b) => compareForList({ ...a.r, lastUsedAt: a.lastUsedAt }, { ...b.r, lastUsedAt: b.lastUsedAt }))
        .map(({ r }) => toPublicSidekiq(r, s.get(r.id)));
    },

    async update(userId: string, id: string, input: UpdateSidekiqInput): Promise<PublicSidekiq> {
      const current = await sidekiqs.findOwned(userId, id);
      if (!current) throw notFound.sidekiq();
      const { avatar, ...rest } = input;
      const nextAvatar = avatar ? completeAvatar(avatar, input.name ?? current.name, current.avatar) : followRename(current, input.name);
      const changes = { ...rest, ...(nextAvatar ? { avatar: nextAvatar } : {}), updatedAt: clock() };
      const intent = await outbox.intend('updated', id, userId);
      const updated = await sidekiqs.update(userId, id, changes);
      if (!updated) throw notFound.sidekiq();
      await faults.afterChangeWritten?.('updated', id);
      await outbox.flush(intent);
      return withStats(updated);
    },

    async delete(userId: string, id: string): Promise<void> {
      const current = await sidekiqs.findOwned(userId, id);
      if (!current) throw notFound.sidekiq();
      // The deleted event carries a version above every update, so no update can resurrect it downstream.
      const intent = await outbox.intend('deleted', id, userId, current.version + 1);
      const deleted = await sidekiqs.delete(userId, id);
      if (!deleted) throw notFound.sidekiq();
      // An update may have slipped in between the read and the delete: the event must still outrank it.
      if (deleted.version + 1 > intent.version) await outbox.raiseVersion(intent, deleted.version + 1);
      await faults.afterChangeWritten?.('deleted', id);
      await outbox.flush(intent);
      await stats.removeFor(id);
    },

    /** The RPC: ownership check and what a chat turn needs. */
    async resolveForChat(userId: string, id: string) {
      const record = await sidekiqs.findOwned(userId, id);
      if (!record) throw notFound.sidekiq();
      return toResolved(record);
    },

    /** Current snapshots for view rebuilds; deleted ids are simply absent. */
    async snapshots(ids: string[]) {
      const records = await sidekiqs.findByIds(ids);
      return records.map((r) => ({ id: r.id, userId: r.userId, name: r.name, avatar: r.avatar, version: r.version, updatedAt: r.updatedAt.toISOString() }));
    },

    /** From ThreadCreated: counts a thread once, whatever the bus redelivers. */
    async recordThreadCreated(sidekiqId: string, threadId: string, createdAt: Date): Promise<'counted' | 'duplicate' | 'unknown-sidekiq'> {
      const record = await sidekiqs.findById(sidekiqId);
      if (!record) return 'unknown-sidekiq';
      const fresh = await stats.recordThreadUse(sidekiqId, threadId, createdAt);
      await faults.afterThreadUseRecorded?.(threadId, sidekiqId);
      // Converge even on a duplicate: the first delivery may have died before writing the stats.
      await stats.converge(sidekiqId, record.userId);
      // A delete that raced this event already removed the stats: leave no orphans behind.
      if (!(await sidekiqs.findById(sidekiqId))) {
        await stats.removeFor(sidekiqId);
        return 'unknown-sidekiq';
      }
      return fresh ? 'counted' : 'duplicate';
    },
  };
}
/**
 * Initials that were derived from the name follow a rename ("Travel Buddy" → "Code Helper":
 * TB → CH); initials or an emoji the user chose stay as they are.
 */
function followRename(current: SidekiqRecord, newName: string | undefined): SidekiqRecord['avatar'] | undefined {
  if (newName === undefined || current.avatar.type !== 'initials') return undefined;
  if (current.avatar.value !== initialsFromName(current.name)) return undefined;
  return { ...defaultAvatarFor(newName), color: current.avatar.color };
}

export type SidekiqUseCases = ReturnType<typeof sidekiqUseCases>;

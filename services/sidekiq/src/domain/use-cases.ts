import { randomUUID } from 'node:crypto';
import { notFound, AppError } from '@sidekiq/shared';
import type { SidekiqRepository } from '../data-access/sidekiq-repository';
import type { StatsRepository } from '../data-access/stats-repository';
import type { SidekiqOutbox } from '../data-access/outbox';
import { completeAvatar } from './avatar';
import { compareForList, toPublicSidekiq, toResolved, type CreateSidekiqInput, type PublicSidekiq, type SidekiqRecord, type UpdateSidekiqInput } from './sidekiq';

export interface Deps {
  sidekiqs: SidekiqRepository;
  stats: StatsRepository;
  outbox: SidekiqOutbox;
  clock: () => Date;
}

/** A user may own at most this many Sidekiqs: the list is sorted in memory by usage. */
export const MAX_SIDEKIQS_PER_USER = 500;

export function sidekiqUseCases({ sidekiqs, stats, outbox, clock }: Deps) {
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
      const name = input.name ?? current.name;
      const changes = { ...rest, ...(avatar ? { avatar: completeAvatar(avatar, name, current.avatar) } : {}), updatedAt: clock() };
      const intent = await outbox.intend('updated', id, userId);
      const updated = await sidekiqs.update(userId, id, changes);
      if (!updated) throw notFound.sidekiq();
      await outbox.flush(intent);
      return withStats(updated);
    },

    async delete(userId: string, id: string): Promise<void> {
      const current = await sidekiqs.findOwned(userId, id);
      if (!current) throw notFound.sidekiq();
      // The deleted event carries a version above every update, so no update can resurrect it downstream.
      const intent = await outbox.intend('deleted', id, userId, current.version + 1);
      if (!(await sidekiqs.delete(userId, id))) throw notFound.sidekiq();
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
      // Converge even on a duplicate: the first delivery may have died before writing the stats.
      await stats.converge(sidekiqId, record.userId);
      return fresh ? 'counted' : 'duplicate';
    },
  };
}
export type SidekiqUseCases = ReturnType<typeof sidekiqUseCases>;

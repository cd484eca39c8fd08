import { notFound, type ThreadListItem } from '@sidekiq/shared';
import type { FactsRepository } from '../data-access/facts-repository';
import type { ViewRepository } from '../data-access/view-repository';
import type { ThreadOutbox } from '../data-access/outbox';
import type { Converge } from '../data-access/converge';
import { decodeCursor, encodeCursor } from './cursor';
import { toListItem } from './view';
import type { ListQuery, PatchThread } from './requests';

export interface Deps {
  facts: FactsRepository;
  views: ViewRepository;
  converge: Converge;
  outbox: ThreadOutbox;
  clock: () => Date;
}

/** What users do with their list: read it, rename/pin/archive, delete. */
export function threadUseCases({ facts, views, converge, outbox, clock }: Deps) {
  async function owned(userId: string, id: string) {
    const view = await views.findOwned(userId, id);
    if (!view) throw notFound.thread();
    return view;
  }

  return {
    async list(userId: string, q: ListQuery): Promise<{ items: ThreadListItem[]; nextCursor: string | null }> {
      const after = q.cursor ? decodeCursor(q.cursor) : undefined;
      const startedAt = after?.startedAt ?? clock();
      const rows = await views.list({ userId, sidekiqId: q.sidekiqId, archived: q.archived, after }, q.limit + 1);
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      const nextCursor = rows.length > q.limit && last ? encodeCursor({ pinned: last.pinned, lastActivityAt: last.lastActivityAt, id: last.id, startedAt }) : null;
      return { items: page.map(toListItem), nextCursor };
    },

    async get(userId: string, id: string): Promise<ThreadListItem> {
      return toListItem(await owned(userId, id));
    },

    async patch(userId: string, id: string, input: PatchThread): Promise<ThreadListItem> {
      const current = await owned(userId, id);
      const now = clock();
      if (input.title !== undefined) await facts.setSetting(id, 'title', input.title, null, now);
      if (input.archived !== undefined) await facts.setSetting(id, 'archived', input.archived, null, now);
      if (input.pinned !== undefined) {
        // Unpinning moves the thread down the list: remember when, so open pagings skip it (see cursor.ts).
        const loweredAt = current.pinned && !input.pinned ? now : input.pinned ? null : current.keyLoweredAt;
        await facts.setSetting(id, 'pinned', input.pinned, loweredAt, now);
      }
      const { view } = await converge(id);
      if (!view) throw notFound.thread();
      return toListItem(view);
    },

    async delete(userId: string, id: string): Promise<void> {
      await owned(userId, id);
      const deletedAt = clock();
      const intent = await outbox.intend(id, userId, deletedAt);
      await facts.recordTombstone(id, userId, deletedAt);
      await converge(id);
      await outbox.flush(intent);
      await facts.forgetThread(id);
    },
  };
}
export type ThreadUseCases = ReturnType<typeof threadUseCases>;

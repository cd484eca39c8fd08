import type { QueryFilter } from 'mongoose';
import type { Models, ViewDoc } from './models';
import type { ViewRecord } from '../domain/view';
import type { Cursor } from '../domain/cursor';

export const toRecord = (d: ViewDoc): ViewRecord => ({
  id: d._id,
  userId: d.userId,
  sidekiqId: d.sidekiqId ?? null,
  title: d.title ?? null,
  titleSetByUser: Boolean(d.titleSetByUser),
  sidekiq: d.sidekiq ? { id: d.sidekiq.id, name: d.sidekiq.name, avatar: { type: d.sidekiq.avatar.type, value: d.sidekiq.avatar.value, color: d.sidekiq.avatar.color } } : null,
  sidekiqDeleted: Boolean(d.sidekiqDeleted),
  pinned: Boolean(d.pinned),
  archived: Boolean(d.archived),
  createdAt: d.createdAt,
  lastActivityAt: d.lastActivityAt,
  keyLoweredAt: d.keyLoweredAt ?? null,
});

const toDoc = (v: ViewRecord): Omit<ViewDoc, '_id'> => ({
  userId: v.userId,
  sidekiqId: v.sidekiqId,
  title: v.title,
  titleSetByUser: v.titleSetByUser,
  sidekiq: v.sidekiq,
  sidekiqDeleted: v.sidekiqDeleted,
  pinned: v.pinned,
  pinRank: v.pinned ? 1 : 0,
  archived: v.archived,
  createdAt: v.createdAt,
  lastActivityAt: v.lastActivityAt,
  keyLoweredAt: v.keyLoweredAt,
});

export interface ListFilter {
  userId: string;
  sidekiqId?: string;
  archived?: boolean;
  after?: Cursor;
}

/** Every read is scoped by owner: a foreign id and a missing id both come back as null. */
export function viewRepository({ View }: Models) {
  return {
    async findOwned(userId: string, id: string): Promise<ViewRecord | null> {
      const d = await View.findOne({ _id: id, userId }).lean<ViewDoc>();
      return d ? toRecord(d) : null;
    },
    async findById(id: string): Promise<ViewRecord | null> {
      const d = await View.findOne({ _id: id }).lean<ViewDoc>();
      return d ? toRecord(d) : null;
    },
    /** One page in list order; `limit + 1` tells the caller whether there is more. */
    async list(f: ListFilter, limit: number): Promise<ViewRecord[]> {
      const and: QueryFilter<ViewDoc>[] = [{ userId: f.userId }];
      if (f.sidekiqId !== undefined) and.push({ sidekiqId: f.sidekiqId });
      if (f.archived !== undefined) and.push({ archived: f.archived });
      if (f.after) {
        const rank = f.after.pinned ? 1 : 0;
        const at = f.after.lastActivityAt;
        and.push({ $or: [{ pinRank: { $lt: rank } }, { pinRank: rank, lastActivityAt: { $lt: at } }, { pinRank: rank, lastActivityAt: at, _id: { $lt: f.after.id } }] });
        // Threads whose key went down after the paging started may already have been returned.
        and.push({ $or: [{ keyLoweredAt: null }, { keyLoweredAt: { $lt: f.after.startedAt } }] });
      }
      const docs = await View.find(and.length === 1 ? and[0]! : { $and: and })
        .sort({ pinRank: -1, lastActivityAt: -1, _id: -1 })
        .limit(limit)
        .lean<ViewDoc[]>();
      return docs.map(toRecord);
    },
    /** The views (of one user, or everyone's) with afterId < id <= upToId, by id: for the rebuild. */
    async range(userId: string | undefined, afterId: string | undefined, upToId: string | undefined): Promise<ViewRecord[]> {
      const q: QueryFilter<ViewDoc> = {};
      if (userId) q.userId = userId;
      const id: Record<string, string> = {};
      if (afterId !== undefined) id.$gt = afterId;
      if (upToId !== undefined) id.$lte = upToId;
      if (Object.keys(id).length > 0) q._id = id;
      return (await View.find(q).sort({ _id: 1 }).lean<ViewDoc[]>()).map(toRecord);
    },
    /** Whole-document writes only, and only from `converge`, which verifies after writing. */
    write: (v: ViewRecord) => View.replaceOne({ _id: v.id }, toDoc(v), { upsert: true }),
    remove: (id: string) => View.deleteOne({ _id: id }),
  };
}
export type ViewRepository = ReturnType<typeof viewRepository>;

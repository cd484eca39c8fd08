import { isDuplicateKey, type Avatar } from '@sidekiq/shared';
import type { ActivityDoc, CreatedDoc, Models, SettingDoc, SnapshotDoc } from './models';
import type { ActivityFact, CreatedFact, SnapshotFact, ThreadFacts, UserSettings } from '../domain/view';

/** Insert that treats "already there" as success: every fact is idempotent by its _id. */
async function insertOnce(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

const toActivity = (d: ActivityDoc | null): ActivityFact | null => (d ? { id: d._id, at: d.at, preview: d.preview } : null);
const toSnapshot = (d: SnapshotDoc): SnapshotFact =>
  d.kind === 'deleted'
    ? { kind: 'deleted', sidekiqId: d.sidekiqId, version: d.version }
    : { kind: 'state', sidekiqId: d.sidekiqId, version: d.version, name: d.name ?? '', avatar: d.avatar as Avatar };

/**
 * The facts the views are derived from. Writers only insert (duplicates are no-ops) or prune
 * documents that cannot change the derivation; user settings are upserted one field per
 * document. So no two writers ever read-modify-write the same document.
 */
export function factsRepository({ Created, Activity, Snapshot, Tombstone, Setting }: Models) {
  return {
    recordCreated: (f: CreatedFact) =>
      insertOnce(() => Created.create({ _id: f.threadId, userId: f.userId, sidekiqId: f.sidekiqId, title: f.title, createdAt: f.createdAt })),

    /** Rebuild only: the owner's truth replaces what the events said. */
    replaceCreated: (f: CreatedFact) =>
      Created.replaceOne({ _id: f.threadId }, { userId: f.userId, sidekiqId: f.sidekiqId, title: f.title, createdAt: f.createdAt }, { upsert: true }),

    async recordActivity(threadId: string, a: ActivityFact): Promise<void> {
      await insertOnce(() => Activity.create({ _id: a.id, threadId, at: a.at, preview: a.preview }));
      // Only the earliest and the latest matter. Both only move outwards, so deleting what lies
      // strictly between them can never remove a document a concurrent writer relies on.
      const [first, last] = await Promise.all([earliest(threadId), latest(threadId)]);
      if (first && last && last.at > first.at) await Activity.deleteMany({ threadId, at: { $gt: first.at, $lt: last.at } });
    },

    async activityIds(threadId: string): Promise<string[]> {
      return (await Activity.find({ threadId }, { _id: 1 }).lean<{ _id: string }[]>()).map((d) => d._id);
    },
    removeActivities: (ids: string[]) => Activity.deleteMany({ _id: { $in: ids } }),

    async recordSnapshot(s: SnapshotFact): Promise<void> {
      const doc: SnapshotDoc =
        s.kind === 'state'
          ? { _id: `${s.sidekiqId}:${s.version}:state`, sidekiqId: s.sidekiqId, version: s.version, kind: 'state', name: s.name, avatar: s.avatar }
          : { _id: `${s.sidekiqId}:${s.version}:deleted`, sidekiqId: s.sidekiqId, version: s.version, kind: 'deleted' };
      await insertOnce(() => Snapshot.create(doc));
      // Older states can never win again: drop them (the newest state is kept, even after deletion).
      const newest = await Snapshot.findOne({ sidekiqId: s.sidekiqId, kind: 'state' }).sort({ version: -1 }).lean<SnapshotDoc>();
      if (newest) await Snapshot.deleteMany({ sidekiqId: s.sidekiqId, kind: 'state', version: { $lt: newest.version } });
    },

    snapshotsOf,

    recordTombstone: (threadId: string, userId: string, deletedAt: Date) => insertOnce(() => Tombstone.create({ _id: threadId, userId, deletedAt })),
    async tombstonedAmong(ids: string[]): Promise<Set<string>> {
      return new Set((await Tombstone.find({ _id: { $in: ids } }, { _id: 1 }).lean<{ _id: string }[]>()).map((d) => d._id));
    },

    /** A deleted thread's facts are useless; the tombstone alone keeps it deleted. */
    async forgetThread(threadId: string): Promise<void> {
      await Promise.all([Activity.deleteMany({ threadId }), Setting.deleteMany({ threadId }), Created.deleteOne({ _id: threadId })]);
    },

    async setSetting(threadId: string, field: SettingDoc['field'], value: string | boolean, loweredAt: Date | null, now: Date): Promise<void> {
      await Setting.replaceOne({ _id: `${threadId}:${field}` }, { threadId, field, value, loweredAt, updatedAt: now }, { upsert: true });
    },

    threadIdsOfSidekiq: async (sidekiqId: string) => (await Created.find({ sidekiqId }, { _id: 1 }).lean<{ _id: string }[]>()).map((d) => d._id),
    createdOf: (threadId: string) => Created.findOne({ _id: threadId }).lean<CreatedDoc>(),

    /** Everything a thread's view is derived from, read fresh. */
    async read(threadId: string): Promise<ThreadFacts> {
      const [created, tombstoned, first, last, settings] = await Promise.all([
        Created.findOne({ _id: threadId }).lean<CreatedDoc>(),
        Tombstone.exists({ _id: threadId }),
        earliest(threadId),
        latest(threadId),
        Setting.find({ threadId }).lean<SettingDoc[]>(),
      ]);
      const snapshots = created?.sidekiqId ? await snapshotsOf(created.sidekiqId) : [];
      return {
        created: created ? { threadId, userId: created.userId, sidekiqId: created.sidekiqId ?? null, title: created.title ?? null, createdAt: created.createdAt } : null,
        tombstoned: tombstoned !== null,
        earliest: toActivity(first),
        latest: toActivity(last),
        snapshots,
        settings: toSettings(settings),
      };
    },
  };

  async function snapshotsOf(sidekiqId: string): Promise<SnapshotFact[]> {
    return (await Snapshot.find({ sidekiqId }).lean<SnapshotDoc[]>()).map(toSnapshot);
  }
  function earliest(threadId: string) {
    return Activity.findOne({ threadId }).sort({ at: 1, _id: 1 }).lean<ActivityDoc>();
  }
  function latest(threadId: string) {
    return Activity.findOne({ threadId }).sort({ at: -1, _id: -1 }).lean<ActivityDoc>();
  }
}
export type FactsRepository = ReturnType<typeof factsRepository>;

function toSettings(docs: SettingDoc[]): UserSettings {
  const s: UserSettings = {};
  for (const d of docs) {
    if (d.field === 'title' && typeof d.value === 'string') s.title = d.value;
    if (d.field === 'archived' && typeof d.value === 'boolean') s.archived = d.value;
    if (d.field === 'pinned' && typeof d.value === 'boolean') {
      s.pinned = d.value;
      s.pinLoweredAt = d.loweredAt ?? null;
    }
  }
  return s;
}

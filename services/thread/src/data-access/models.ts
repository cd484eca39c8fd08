import { Schema, type Connection, type Model } from 'mongoose';
import type { Avatar } from '@sidekiq/shared';

/** The derived list view: read by every list query, written only by `converge`. */
export interface ViewDoc {
  _id: string;
  userId: string;
  sidekiqId: string | null;
  title: string | null;
  titleSetByUser: boolean;
  sidekiq: { id: string; name: string; avatar: Avatar } | null;
  sidekiqDeleted: boolean;
  pinned: boolean;
  /** `pinned` as 1/0: a number sorts and compares the same on every MongoDB-wire server. */
  pinRank: number;
  archived: boolean;
  createdAt: Date;
  lastActivityAt: Date;
  keyLoweredAt: Date | null;
}

export interface CreatedDoc {
  _id: string; // threadId
  userId: string;
  sidekiqId: string | null;
  title: string | null;
  createdAt: Date;
}

export interface ActivityDoc {
  _id: string; // event id
  threadId: string;
  at: Date;
  preview: string;
}

export interface SnapshotDoc {
  _id: string; // `${sidekiqId}:${version}:${kind}`
  sidekiqId: string;
  version: number;
  kind: 'state' | 'deleted';
  name?: string;
  avatar?: Avatar;
}

export interface TombstoneDoc {
  _id: string; // threadId
  userId: string;
  deletedAt: Date;
}

export interface SettingDoc {
  _id: string; // `${threadId}:${field}`
  threadId: string;
  field: 'title' | 'pinned' | 'archived';
  value: string | boolean;
  /** For `pinned`: when it last went from true to false. */
  loweredAt: Date | null;
  updatedAt: Date;
}

/** A ThreadDeleted that may not have reached the broker yet (outbox intent). */
export interface OutboxDoc {
  _id: string; // the event id
  threadId: string;
  userId: string;
  deletedAt: Date;
  createdAt: Date;
}

export interface Models {
  View: Model<ViewDoc>;
  Created: Model<CreatedDoc>;
  Activity: Model<ActivityDoc>;
  Snapshot: Model<SnapshotDoc>;
  Tombstone: Model<TombstoneDoc>;
  Setting: Model<SettingDoc>;
  Outbox: Model<OutboxDoc>;
}

const opts = (collection: string) => ({ versionKey: false as const, collection, strict: false as const });

export function createModels(conn: Connection): Models {
  const view = new Schema<ViewDoc>({ _id: String }, opts('thread_views'));
  // The list query: the caller's threads in list order, optionally one archived state / one Sidekiq.
  view.index({ userId: 1, pinRank: -1, lastActivityAt: -1, _id: -1 });
  view.index({ userId: 1, archived: 1, pinRank: -1, lastActivityAt: -1, _id: -1 });
  view.index({ userId: 1, sidekiqId: 1, pinRank: -1, lastActivityAt: -1, _id: -1 });

  const created = new Schema<CreatedDoc>({ _id: String }, opts('thread_created'));
  created.index({ sidekiqId: 1 }); // SidekiqUpdated/Deleted: which threads show this Sidekiq
  created.index({ userId: 1 }); // rebuild of one user

  const activity = new Schema<ActivityDoc>({ _id: String }, opts('thread_activities'));
  activity.index({ threadId: 1, at: 1, _id: 1 });

  const snapshot = new Schema<SnapshotDoc>({ _id: String }, opts('thread_sidekiq_snapshots'));
  snapshot.index({ sidekiqId: 1, version: -1 });

  const tombstone = new Schema<TombstoneDoc>({ _id: String }, opts('thread_tombstones'));
  const setting = new Schema<SettingDoc>({ _id: String }, opts('thread_settings'));
  setting.index({ threadId: 1 });

  const outbox = new Schema<OutboxDoc>({ _id: String }, opts('thread_outbox'));
  outbox.index({ createdAt: 1 });

  return {
    View: conn.model<ViewDoc>('ThreadView', view),
    Created: conn.model<CreatedDoc>('ThreadCreatedFact', created),
    Activity: conn.model<ActivityDoc>('ThreadActivityFact', activity),
    Snapshot: conn.model<SnapshotDoc>('ThreadSidekiqSnapshot', snapshot),
    Tombstone: conn.model<TombstoneDoc>('ThreadTombstone', tombstone),
    Setting: conn.model<SettingDoc>('ThreadSetting', setting),
    Outbox: conn.model<OutboxDoc>('ThreadOutbox', outbox),
  };
}

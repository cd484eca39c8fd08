import { Schema, type Connection, type Model } from 'mongoose';
import type { SidekiqRecord } from '../domain/sidekiq';

// Mongoose models of the sidekiq service's own database.

/** A Sidekiq as stored: the domain record with Mongo's `_id` in place of `id`. */
export type SidekiqDoc = Omit<SidekiqRecord, 'id'> & { _id: string };

/**
 * Stats live apart from the Sidekiq document: they are written by the event consumer while
 * users edit Sidekiqs, and two writers of one document could lose an update on a server
 * without atomic updates (FerretDB). threadCount/lastUsedAt are derived from `ThreadUseDoc`s.
 */
export interface StatsDoc {
  _id: string; // sidekiqId
  userId: string;
  threadCount: number;
  lastUsedAt: Date | null;
}

/** One per thread started with a Sidekiq: the unique _id makes counting exactly-once. */
export interface ThreadUseDoc {
  _id: string; // threadId
  sidekiqId: string;
  usedAt: Date;
}

/** A change whose event may not have reached the broker yet (transactional-outbox intent). */
export interface OutboxDoc {
  _id: string; // the event id
  sidekiqId: string;
  userId: string;
  kind: 'updated' | 'deleted';
  /** For a delete: the version the deleted event carries. */
  version: number;
  createdAt: Date;
}

export interface Models {
  Sidekiq: Model<SidekiqDoc>;
  Stats: Model<StatsDoc>;
  ThreadUse: Model<ThreadUseDoc>;
  Outbox: Model<OutboxDoc>;
}

const avatar = new Schema({ type: { type: String, required: true }, value: { type: String, required: true }, color: { type: String, required: true } }, { _id: false });

export function createModels(conn: Connection): Models {
  const sidekiq = new Schema<SidekiqDoc>(
    {
      _id: { type: String, required: true },
      userId: { type: String, required: true },
      name: { type: String, required: true },
      description: { type: String, default: '' },
      instructions: { type: String, default: '' },
      avatar: { type: avatar, required: true },
      conversationStarters: { type: [String], default: [] },
      model: { type: String, default: null },
      temperature: { type: Number, default: null },
      version: { type: Number, required: true },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
    },
    { versionKey: false, collection: 'sidekiqs' },
  );
  sidekiq.index({ userId: 1, createdAt: -1 });

  const stats = new Schema<StatsDoc>(
    { _id: String, userId: String, threadCount: Number, lastUsedAt: Date },
    { versionKey: false, collection: 'sidekiq_stats' },
  );
  stats.index({ userId: 1 });

  const threadUse = new Schema<ThreadUseDoc>({ _id: String, sidekiqId: String, usedAt: Date }, { versionKey: false, collection: 'sidekiq_thread_uses' });
  threadUse.index({ sidekiqId: 1, usedAt: -1 });

  const outbox = new Schema<OutboxDoc>(
    { _id: String, sidekiqId: String, userId: String, kind: String, version: Number, createdAt: Date },
    { versionKey: false, collection: 'sidekiq_outbox' },
  );
  outbox.index({ createdAt: 1 });

  return {
    Sidekiq: conn.model<SidekiqDoc>('Sidekiq', sidekiq),
    Stats: conn.model<StatsDoc>('SidekiqStats', stats),
    ThreadUse: conn.model<ThreadUseDoc>('SidekiqThreadUse', threadUse),
    Outbox: conn.model<OutboxDoc>('SidekiqOutbox', outbox),
  };
}

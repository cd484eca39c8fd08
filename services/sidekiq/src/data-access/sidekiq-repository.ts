import type { Models, SidekiqDoc } from './models';
import type { SidekiqRecord } from '../domain/sidekiq';

const toRecord = (d: SidekiqDoc): SidekiqRecord => ({
  id: d._id,
  userId: d.userId,
  name: d.name,
  description: d.description,
  instructions: d.instructions,
  avatar: { type: d.avatar.type, value: d.avatar.value, color: d.avatar.color },
  conversationStarters: [...d.conversationStarters],
  model: d.model ?? null,
  temperature: d.temperature ?? null,
  version: d.version,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

/** Every query is scoped by owner: a foreign id and a missing id both come back as null. */
export function sidekiqRepository({ Sidekiq }: Models) {
  return {
    async insert(record: SidekiqRecord): Promise<void> {
      const { id, ...rest } = record;
      await Sidekiq.create({ _id: id, ...rest });
    },
    async findOwned(userId: string, id: string): Promise<SidekiqRecord | null> {
      const doc = await Sidekiq.findOne({ _id: id, userId }).lean<SidekiqDoc>();
      return doc ? toRecord(doc) : null;
    },
    async findById(id: string): Promise<SidekiqRecord | null> {
      const doc = await Sidekiq.findOne({ _id: id }).lean<SidekiqDoc>();
      return doc ? toRecord(doc) : null;
    },
    async findByIds(ids: string[]): Promise<SidekiqRecord[]> {
      const docs = await Sidekiq.find({ _id: { $in: ids } }).lean<SidekiqDoc[]>();
      return docs.map(toRecord);
    },
    async listOwned(userId: string, max: number): Promise<SidekiqRecord[]> {
      const docs = await Sidekiq.find({ userId }).sort({ createdAt: -1 }).limit(max).lean<SidekiqDoc[]>();
      return docs.map(toRecord);
    },
    async countOwned(userId: string): Promise<number> {
      return Sidekiq.countDocuments({ userId });
    },
    /** Applies `changes` and bumps the version in one update; null when not the caller's. */
    async update(userId: string, id: string, changes: Partial<Omit<SidekiqRecord, 'id' | 'userId' | 'version' | 'createdAt'>>): Promise<SidekiqRecord | null> {
      const doc = await Sidekiq.findOneAndUpdate({ _id: id, userId }, { $set: changes, $inc: { version: 1 } }, { returnDocument: 'after' }).lean<SidekiqDoc>();
      return doc ? toRecord(doc) : null;
    },
    /** Deletes and returns what was deleted (its version matters to the event); null when not the caller's. */
    async delete(userId: string, id: string): Promise<SidekiqRecord | null> {
      const doc = await Sidekiq.findOneAndDelete({ _id: id, userId }).lean<SidekiqDoc>();
      return doc ? toRecord(doc) : null;
    },
  };
}
export type SidekiqRepository = ReturnType<typeof sidekiqRepository>;

import type { Models } from './models';

export function instanceRepository({ Instance }: Models) {
  return {
    async beat(id: string): Promise<void> {
      await Instance.updateOne({ _id: id }, { $set: { heartbeatAt: new Date() } }, { upsert: true });
    },
    async live(since: Date): Promise<string[]> {
      const docs = await Instance.find({ heartbeatAt: { $gte: since } }).lean();
      return docs.map((d) => d._id);
    },
    /** Whether `id` has beaten since `since`. */
    async isLive(id: string, since: Date): Promise<boolean> {
      return (await Instance.countDocuments({ _id: id, heartbeatAt: { $gte: since } })) > 0;
    },
  };
}
export type InstanceRepository = ReturnType<typeof instanceRepository>;

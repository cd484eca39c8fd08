import type { Connection } from 'mongoose';
import { connectMongo, type ViewChange } from '@sidekiq/shared';
import { testLogger, uniqueDb } from '../../../../test/support/env';
import { createModels } from '../data-access/models';
import { factsRepository } from '../data-access/facts-repository';
import { viewRepository } from '../data-access/view-repository';
import { converger } from '../data-access/converge';
import type { ViewPublisher } from '../data-access/view-publisher';
import { threadProjections } from '../domain/projections';
import { toListItem } from '../domain/view';

/** The projection stack on a fresh database of the real server, with view changes captured in memory. */
export async function projectionStack(prefix: string) {
  const mongo: Connection = await connectMongo(process.env.MONGO_URL!, uniqueDb(prefix), testLogger('thread-test'));
  const models = createModels(mongo);
  await Promise.all(Object.values(models).map((m) => m.init()));
  const changes: ViewChange[] = [];
  const publisher: ViewPublisher = {
    upserted: async (v) => void changes.push({ userId: v.userId, frame: { type: 'thread.upserted', thread: toListItem(v) } }),
    removed: async (userId, threadId) => void changes.push({ userId, frame: { type: 'thread.removed', threadId } }),
  };
  const facts = factsRepository(models);
  const views = viewRepository(models);
  const converge = converger(facts, views, publisher);
  return {
    mongo,
    models,
    facts,
    views,
    converge,
    changes,
    projections: threadProjections(facts, converge),
    close: async () => {
      await mongo.dropDatabase().catch(() => undefined);
      await mongo.close();
    },
  };
}
export type ProjectionStack = Awaited<ReturnType<typeof projectionStack>>;

import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { ThreadCreated, topology, type Envelope } from '@sidekiq/shared';
import { eventually } from '../../../../../test/support/env';
import { BrokerProbe, TEST_RETRY_DELAYS_MS, call, never, newUser, startTestService, type TestService } from '../../testing/harness';
import { SIDEKIQ_EVENTS_QUEUE } from './subscriptions';

let broker: BrokerProbe;
beforeAll(async () => {
  broker = await BrokerProbe.open();
  await broker.purgeSidekiqQueues();
});
afterAll(async () => broker?.close());

const mongoUrl = () => process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017';
const openDb = (db: string) => mongoose.createConnection(mongoUrl(), { dbName: db }).asPromise();

async function createSidekiq(service: TestService, user: string, name = 'Counted') {
  const res = await call(service, 'POST', '/api/sidekiqs', { user, body: { name } });
  expect(res.status).toBe(201);
  return res.body;
}

function threadCreated(user: string, sidekiq: any, createdAt: string, threadId = randomUUID(), eventId?: string): Envelope {
  return ThreadCreated.create(
    { threadId, userId: user, sidekiq: { id: sidekiq.id, name: sidekiq.name, avatar: sidekiq.avatar, version: sidekiq.version }, title: null, createdAt },
    { id: eventId },
  );
}

const stats = async (service: TestService, user: string, id: string) => {
  const res = await call(service, 'GET', `/api/sidekiqs/${id}`, { user });
  return { threadCount: res.body.threadCount as number, lastUsedAt: res.body.lastUsedAt as string | null };
};

/** Waits until the stats reach `expected`, then checks they stay there (nothing late doubles them). */
async function expectStatsSettleAt(service: TestService, user: string, id: string, expected: { threadCount: number; lastUsedAt: string | null }) {
  await eventually(() => stats(service, user, id), (s) => s.threadCount === expected.threadCount && s.lastUsedAt === expected.lastUsedAt, 20_000, `stats ${JSON.stringify(expected)}`);
  await new Promise((r) => setTimeout(r, 800));
  expect(await stats(service, user, id)).toEqual(expected);
}

const at = (second: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, second)).toISOString();

describe('ThreadCreated → stats, with two service instances consuming one queue', () => {
  let a: TestService;
  let b: TestService;
  const handledBy = { a: new Set<string>(), b: new Set<string>() };
  beforeAll(async () => {
    a = await startTestService({ faults: { afterThreadUseRecorded: async (threadId) => void handledBy.a.add(threadId) } });
    b = await startTestService({ db: a.db, faults: { afterThreadUseRecorded: async (threadId) => void handledBy.b.add(threadId) } });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('when 50 threads are created concurrently with one Sidekiq, threadCount is 50 and lastUsedAt the latest createdAt', async () => {
    const user = newUser();
    const sidekiq = await createSidekiq(a, user);
    const seconds = Array.from({ length: 50 }, (_, i) => (i * 37) % 50); // a shuffled 0..49
    const events = seconds.map((s) => threadCreated(user, sidekiq, at(s)));
    await Promise.all(events.map((e) => broker.publishEvent(e)));
    await expectStatsSettleAt(a, user, sidekiq.id, { threadCount: 50, lastUsedAt: at(49) });
    expect(await stats(b, user, sidekiq.id)).toEqual({ threadCount: 50, lastUsedAt: at(49) });
    // Both instances really took part.
    const threads = events.map((e) => (e.data as { threadId: string }).threadId);
    expect(threads.filter((t) => handledBy.a.has(t)).length).toBeGreaterThan(0);
    expect(threads.filter((t) => handledBy.b.has(t)).length).toBeGreaterThan(0);
  });

  it('when a ThreadCreated is delivered 5 times, threadCount grows once', async () => {
    const user = newUser();
    const sidekiq = await createSidekiq(a, user);
    const event = threadCreated(user, sidekiq, at(10));
    await Promise.all(Array.from({ length: 5 }, () => broker.publishEvent(event)));
    await expectStatsSettleAt(a, user, sidekiq.id, { threadCount: 1, lastUsedAt: at(10) });
  });

  it('when the producer publishes the same thread twice under different event ids, threadCount grows once', async () => {
    const user = newUser();
    const sidekiq = await createSidekiq(a, user);
    const threadId = randomUUID();
    await broker.publishEvent(threadCreated(user, sidekiq, at(5), threadId));
    await broker.publishEvent(threadCreated(user, sidekiq, at(5), threadId));
    await expectStatsSettleAt(a, user, sidekiq.id, { threadCount: 1, lastUsedAt: at(5) });
  });

  it('when events arrive out of order, lastUsedAt is the latest createdAt, never an older one', async () => {
    const user = newUser();
    const sidekiq = await createSidekiq(a, user);
    await broker.publishEvent(threadCreated(user, sidekiq, at(30)));
    await expectStatsSettleAt(a, user, sidekiq.id, { threadCount: 1, lastUsedAt: at(30) });
    await broker.publishEvent(threadCreated(user, sidekiq, at(20))); // older, arrives later
    await expectStatsSettleAt(a, user, sidekiq.id, { threadCount: 2, lastUsedAt: at(30) });
    await broker.publishEvent(threadCreated(user, sidekiq, at(40)));
    await expectStatsSettleAt(a, user, sidekiq.id, { threadCount: 3, lastUsedAt: at(40) });
  });

  it('a ThreadCreated for a deleted Sidekiq is acknowledged and ignored: no stats, no retry, no dead letter', async () => {
    const user = newUser();
    const sidekiq = await createSidekiq(a, user);
    expect((await call(a, 'DELETE', `/api/sidekiqs/${sidekiq.id}`, { user })).status).toBe(204);
    const event = threadCreated(user, sidekiq, at(1));
    await broker.publishEvent(event);
    // Longer than every retry delay together: a retried or dead-lettered message would show by now.
    await new Promise((r) => setTimeout(r, TEST_RETRY_DELAYS_MS.reduce((x, y) => x + y, 0) + 1000));
    const dead = await broker.drain(topology.deadLetterQueue(SIDEKIQ_EVENTS_QUEUE));
    expect(dead.map((m) => m.properties.messageId)).not.toContain(event.id);
    const q = await broker.ch.checkQueue(SIDEKIQ_EVENTS_QUEUE);
    expect(q.messageCount).toBe(0);
    const db = await openDb(a.db);
    try {
      expect(await db.collection('sidekiq_thread_uses').countDocuments({ sidekiqId: sidekiq.id })).toBe(0);
      expect(await db.collection('sidekiq_stats').countDocuments({ _id: sidekiq.id } as object)).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('a ThreadCreated without a Sidekiq changes no Sidekiq', async () => {
    const user = newUser();
    const sidekiq = await createSidekiq(a, user);
    await broker.publishEvent(ThreadCreated.create({ threadId: randomUUID(), userId: user, sidekiq: null, title: 'plain', createdAt: at(3) }));
    await broker.publishEvent(threadCreated(user, sidekiq, at(2)));
    await expectStatsSettleAt(a, user, sidekiq.id, { threadCount: 1, lastUsedAt: at(2) });
  });
});

describe('a consumer killed between its database write and its ack', () => {
  it('gets the message redelivered to another instance, which finishes the job: nothing lost, nothing doubled', async () => {
    const user = newUser();
    const target = randomUUID();
    let victimDied!: () => void;
    const died = new Promise<void>((r) => (victimDied = r));
    let victim: TestService;
    // The victim stores the thread use, then its connection to the broker dies before the stats
    // are written and before the ack; it never runs another line for that message.
    victim = await startTestService({
      faults: {
        afterThreadUseRecorded: async (threadId) => {
          if (threadId !== target) return;
          await victim.close();
          victimDied();
          return never();
        },
      },
    });
    const sidekiq = await createSidekiq(victim, user);
    await broker.publishEvent(threadCreated(user, sidekiq, at(7), target));
    await died;

    const db = await openDb(victim.db);
    let survivor: TestService | undefined;
    try {
      // The write happened, the stats did not.
      expect(await db.collection('sidekiq_thread_uses').countDocuments({ _id: target } as object)).toBe(1);
      expect(await db.collection('sidekiq_stats').countDocuments({ _id: sidekiq.id } as object)).toBe(0);

      const seenBySurvivor: string[] = [];
      survivor = await startTestService({
        db: victim.db,
        faults: { afterThreadUseRecorded: async (threadId) => void seenBySurvivor.push(threadId) },
      });
      await expectStatsSettleAt(survivor, user, sidekiq.id, { threadCount: 1, lastUsedAt: at(7) });
      expect(seenBySurvivor).toEqual([target]); // redelivered once, counted once
      expect(await db.collection('sidekiq_thread_uses').countDocuments({ sidekiqId: sidekiq.id })).toBe(1);
    } finally {
      await survivor?.close();
      await db.close();
    }
  });
});

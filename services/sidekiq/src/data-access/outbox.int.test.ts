import { SidekiqDeleted, SidekiqUpdated } from '@sidekiq/shared';
import mongoose from 'mongoose';
import { eventually } from '../../../../test/support/env';
import { BrokerProbe, call, never, newUser, startTestService, type TestService } from '../testing/harness';

let broker: BrokerProbe;
let events: Awaited<ReturnType<BrokerProbe['listen']>>;
beforeAll(async () => {
  broker = await BrokerProbe.open();
  events = await broker.listen('sidekiq.#');
});
afterAll(async () => {
  await events?.stop();
  await broker?.close();
});

const ofSidekiq = (id: string) => events.messages.filter((m) => m.body?.data?.id === id);
const waitForEvents = (id: string, n: number, what: string) => eventually(async () => ofSidekiq(id), (ms) => ms.length >= n, 10_000, what);

describe('SidekiqUpdated and SidekiqDeleted', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => service?.close());

  it('publishes SidekiqUpdated on create and on every update, with id, owner, name, avatar, version and never the instructions', async () => {
    const user = newUser();
    const created = (await call(service, 'POST', '/api/sidekiqs', { user, body: { name: 'Spy', instructions: 'TOP SECRET PROMPT', description: 'd' } })).body;
    const [first] = await waitForEvents(created.id, 1, 'SidekiqUpdated after create');
    expect(first!.routingKey).toBe(SidekiqUpdated.routingKey);
    expect(first!.msg.properties.messageId).toBe(first!.body.id);
    expect(first!.body).toEqual({
      id: expect.any(String),
      type: 'sidekiq.updated',
      version: 1,
      occurredAt: expect.any(String),
      data: { id: created.id, userId: user, name: 'Spy', avatar: created.avatar, version: 1, updatedAt: created.updatedAt },
    });
    expect(SidekiqUpdated.schema.parse(first!.body.data)).toBeTruthy();

    const patched = (await call(service, 'PATCH', `/api/sidekiqs/${created.id}`, { user, body: { name: 'Spy 2', instructions: 'EVEN MORE SECRET' } })).body;
    const all = await waitForEvents(created.id, 2, 'SidekiqUpdated after patch');
    expect(all[1]!.body.data).toEqual({ id: created.id, userId: user, name: 'Spy 2', avatar: patched.avatar, version: 2, updatedAt: patched.updatedAt });
    expect(all[1]!.body.id).not.toBe(all[0]!.body.id);
    for (const m of all) {
      expect(JSON.stringify(m.body)).not.toMatch(/SECRET|instructions|description/);
    }
  });

  it('publishes SidekiqDeleted on delete, with a version above every update', async () => {
    const user = newUser();
    const created = (await call(service, 'POST', '/api/sidekiqs', { user, body: { name: 'Short-lived' } })).body;
    await call(service, 'PATCH', `/api/sidekiqs/${created.id}`, { user, body: { description: 'x' } });
    expect((await call(service, 'DELETE', `/api/sidekiqs/${created.id}`, { user })).status).toBe(204);
    const all = await waitForEvents(created.id, 3, 'SidekiqDeleted');
    const deleted = all.find((m) => m.routingKey === SidekiqDeleted.routingKey)!;
    expect(deleted.body).toMatchObject({ type: 'sidekiq.deleted', version: 1, data: { id: created.id, userId: user, version: 3, deletedAt: expect.any(String) } });
    expect(SidekiqDeleted.schema.parse(deleted.body.data)).toBeTruthy();
  });

  it('publishes nothing for a refused change (validation, foreign id)', async () => {
    const owner = newUser();
    const created = (await call(service, 'POST', '/api/sidekiqs', { user: owner, body: { name: 'Quiet' } })).body;
    await waitForEvents(created.id, 1, 'create event');
    await call(service, 'PATCH', `/api/sidekiqs/${created.id}`, { user: owner, body: { name: '' } });
    await call(service, 'PATCH', `/api/sidekiqs/${created.id}`, { user: newUser(), body: { name: 'hijack' } });
    await call(service, 'DELETE', `/api/sidekiqs/${created.id}`, { user: newUser() });
    await new Promise((r) => setTimeout(r, 500));
    expect(ofSidekiq(created.id)).toHaveLength(1);
  });
});

describe('a process that dies right after the database write', () => {
  it.each(['created', 'updated', 'deleted'] as const)(
    'when it dies after a change is %s, another instance’s outbox sweep still publishes the event',
    async (kind) => {
      const user = newUser();
      let crashed!: () => void;
      const dead = new Promise<void>((r) => (crashed = r));
      // The victim never sweeps by itself; it dies between the write and the publish.
      const victim: TestService = await startTestService({
        env: { OUTBOX_SWEEP_MS: 600_000 },
        faults: {
          afterChangeWritten: async (k) => {
            if (k !== kind) return;
            crashed();
            return never();
          },
        },
      });
      let id: string;
      let expected: { routingKey: string; data: Record<string, unknown> };
      if (kind === 'created') {
        void call(victim, 'POST', '/api/sidekiqs', { user, body: { name: 'Phoenix' } }).catch(() => undefined);
        await dead;
        await victim.close();
        const db = await mongoose.createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', { dbName: victim.db }).asPromise();
        const doc = await db.collection('sidekiqs').findOne({ userId: user });
        await db.close();
        id = String(doc!._id);
        expected = { routingKey: SidekiqUpdated.routingKey, data: { id, userId: user, name: 'Phoenix', version: 1 } };
      } else {
        // Create through a healthy instance first, then let the victim die on the change.
        const created = (await call(victim, 'POST', '/api/sidekiqs', { user, body: { name: 'Phoenix' } })).body;
        id = created.id;
        await waitForEvents(id, 1, 'create event');
        if (kind === 'updated') void call(victim, 'PATCH', `/api/sidekiqs/${id}`, { user, body: { name: 'Phoenix II' } }).catch(() => undefined);
        else void call(victim, 'DELETE', `/api/sidekiqs/${id}`, { user }).catch(() => undefined);
        await dead;
        await victim.close();
        expected =
          kind === 'updated'
            ? { routingKey: SidekiqUpdated.routingKey, data: { id, userId: user, name: 'Phoenix II', version: 2 } }
            : { routingKey: SidekiqDeleted.routingKey, data: { id, userId: user, version: 2 } };
      }
      const before = ofSidekiq(id).length;
      await new Promise((r) => setTimeout(r, 300));
      expect(ofSidekiq(id)).toHaveLength(before); // the victim published nothing for the change

      const rescuer = await startTestService({ db: victim.db, env: { OUTBOX_GRACE_MS: 100, OUTBOX_SWEEP_MS: 100 } });
      try {
        const all = await waitForEvents(id, before + 1, `${kind} event from the sweep`);
        const published = all[before]!;
        expect(published.routingKey).toBe(expected.routingKey);
        expect(published.body.data).toMatchObject(expected.data);
        // Published once per intent: the intent is gone after the sweep.
        await new Promise((r) => setTimeout(r, 600));
        expect(ofSidekiq(id)).toHaveLength(before + 1);
      } finally {
        await rescuer.close();
      }
    },
  );
});

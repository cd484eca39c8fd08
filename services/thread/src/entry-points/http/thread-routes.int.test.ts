import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { BusConnection, SidekiqUpdated, ThreadActivity, ThreadCreated, publishEvent, topology, type Envelope, type ViewChange } from '@sidekiq/shared';
import { eventually, testConfig, testLogger, tokenFor, uniqueDb } from '../../../../../test/support/env';
import { configSchema } from '../../config';
import { startThreadService, type RunningService } from '../../app';
import { busProbe } from '../../testing/bus-probe';
import { deliveriesArb, eventsOf, expectedItems, scenarioArb } from '../../testing/scenario';

const QUEUE = `thread.events.test.${randomUUID().slice(0, 8)}`;
const run = randomUUID().slice(0, 8);
const ALICE = `alice-${run}`;
const BOB = `bob-${run}`;
const avatar = { type: 'initials' as const, value: 'HE', color: '#224466' };

let service: RunningService;
let bus: BusConnection;
let probe: Awaited<ReturnType<typeof busProbe>>;
let viewChanges: unknown[];
let deletedEvents: unknown[];

async function api(user: string | null, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (user) headers.authorization = `Bearer ${await tokenFor(user)}`;
  const res = await fetch(`http://127.0.0.1:${service.port}${path}`, { method, headers, body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const publish = (e: Envelope) => publishEvent(bus, e);
const createThread = (threadId: string, userId: string, sidekiq: { id: string; name: string; version: number } | null = null) =>
  publish(ThreadCreated.create({ threadId, userId, sidekiq: sidekiq && { ...sidekiq, avatar }, title: null, createdAt: new Date().toISOString() }));
const viewOf = (user: string, id: string) => eventually(() => api(user, 'GET', `/api/threads/${id}`), (r) => r.status === 200, 10_000, `view ${id}`);
const changesFor = (user: string) => (viewChanges as ViewChange[]).filter((c) => c.userId === user);

beforeAll(async () => {
  const config = testConfig(configSchema, { THREAD_PORT: 0, THREAD_DB: uniqueDb('thread_http'), OUTBOX_SWEEP_MS: 200, OUTBOX_GRACE_MS: 500 });
  probe = await busProbe();
  viewChanges = await probe.record(topology.viewChangesExchange);
  deletedEvents = await probe.record(topology.eventsExchange, 'thread.deleted.v1');
  service = await startThreadService(config, testLogger('thread'), { retryDelaysMs: [200], eventsQueue: QUEUE });
  bus = await BusConnection.open(process.env.AMQP_URL!, testLogger('thread-test-bus'));
  await createThread(`a1-${run}`, ALICE, { id: `sk-${run}`, name: 'Helper', version: 1 });
  await createThread(`b1-${run}`, BOB);
  await viewOf(ALICE, `a1-${run}`);
  await viewOf(BOB, `b1-${run}`);
});

afterAll(async () => {
  await service.close();
  await bus.close();
  await probe.deleteQueues(QUEUE, `${QUEUE}.dlq`, `${QUEUE}.retry.200ms`);
  await probe.close();
});

describe('the thread REST API', () => {
  it('refuses a request without a valid token with 401 UNAUTHORIZED', async () => {
    expect(await api(null, 'GET', '/api/threads')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
  });

  it("answers 404 THREAD_NOT_FOUND for someone else's thread and for a missing one, on every verb", async () => {
    for (const [method, body] of [['GET', undefined], ['PATCH', { pinned: true }], ['DELETE', undefined]] as const) {
      expect(await api(ALICE, method, `/api/threads/b1-${run}`, body)).toMatchObject({ status: 404, body: { error: { code: 'THREAD_NOT_FOUND' } } });
      expect(await api(ALICE, method, `/api/threads/nope-${run}`, body)).toMatchObject({ status: 404, body: { error: { code: 'THREAD_NOT_FOUND' } } });
    }
    expect((await api(BOB, 'GET', `/api/threads/b1-${run}`)).body).toMatchObject({ pinned: false });
  });

  it('lists only the caller\'s threads as {items, nextCursor}', async () => {
    const { status, body } = await api(ALICE, 'GET', '/api/threads?limit=10');
    expect(status).toBe(200);
    expect(body.items.map((i: { id: string }) => i.id)).toEqual([`a1-${run}`]);
    expect(body.nextCursor).toBeNull();
    expect(body.items[0]).toMatchObject({ sidekiq: { id: `sk-${run}`, name: 'Helper', avatar }, sidekiqDeleted: false, archived: false });
  });

  it('answers 400 VALIDATION_FAILED naming each offending field', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ title: '   ' }, ['title']],
      [{ title: 'x'.repeat(201) }, ['title']],
      [{ pinned: 'yes', archived: 1 }, ['pinned', 'archived']],
      [{ colour: 'red' }, ['colour']],
      [{}, ['(root)']],
      ['{not json', ['(body)']],
    ];
    for (const [body, fields] of cases) {
      const res = await api(ALICE, 'PATCH', `/api/threads/a1-${run}`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(fields);
    }
    for (const query of ['limit=0', 'limit=abc', 'archived=maybe', 'cursor=garbage']) {
      expect(await api(ALICE, 'GET', `/api/threads?${query}`)).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    }
  });

  it('PATCH sets a trimmed title that later activity no longer changes, pins and archives, and pushes thread.upserted', async () => {
    const id = `a1-${run}`;
    const res = await api(ALICE, 'PATCH', `/api/threads/${id}`, { title: '  My plans  ', pinned: true, archived: true });
    expect(res).toMatchObject({ status: 200, body: { id, title: 'My plans', pinned: true, archived: true } });
    await publish(ThreadActivity.create({ threadId: id, userId: ALICE, at: new Date(Date.now() + 1000).toISOString(), userMessagePreview: 'something else' }));
    const after = await eventually(() => api(ALICE, 'GET', `/api/threads/${id}`), (r) => r.body.lastActivityAt > res.body.lastActivityAt);
    expect(after.body.title).toBe('My plans');
    await eventually(async () => changesFor(ALICE), (c) => c.some((x) => x.frame.type === 'thread.upserted' && x.frame.thread.title === 'My plans' && x.frame.thread.pinned));
    expect(changesFor(BOB).some((c) => c.frame.type === 'thread.upserted' && c.frame.thread.id === id)).toBe(false);
  });

  it('when a Sidekiq is renamed, the owner gets thread.upserted with the new name on the view-changes exchange', async () => {
    const sidekiq = { id: `sk-${run}`, userId: ALICE, name: 'Renamed', avatar, version: 2, updatedAt: new Date().toISOString() };
    await publish(SidekiqUpdated.create(sidekiq));
    await eventually(async () => changesFor(ALICE), (c) => c.some((x) => x.frame.type === 'thread.upserted' && x.frame.thread.sidekiq?.name === 'Renamed'), 10_000, 'upserted frame');
    expect((await api(ALICE, 'GET', `/api/threads/a1-${run}`)).body.sidekiq.name).toBe('Renamed');
  });

  it('DELETE answers 204, removes the view, pushes thread.removed and publishes ThreadDeleted', async () => {
    const id = `a2-${run}`;
    await createThread(id, ALICE);
    await viewOf(ALICE, id);
    expect((await api(ALICE, 'DELETE', `/api/threads/${id}`)).status).toBe(204);
    expect(await api(ALICE, 'GET', `/api/threads/${id}`)).toMatchObject({ status: 404 });
    expect(await api(ALICE, 'DELETE', `/api/threads/${id}`)).toMatchObject({ status: 404 });
    const events = await eventually(async () => deletedEvents as Envelope<{ threadId: string; userId: string }>[], (e) => e.some((x) => x.data.threadId === id));
    expect(events.find((x) => x.data.threadId === id)).toMatchObject({ type: 'thread.deleted', data: { userId: ALICE } });
    await eventually(async () => changesFor(ALICE), (c) => c.some((x) => x.frame.type === 'thread.removed' && x.frame.threadId === id));
    // A late ThreadCreated (redelivery) does not bring it back.
    await createThread(id, ALICE);
    await new Promise((r) => setTimeout(r, 500));
    expect(await api(ALICE, 'GET', `/api/threads/${id}`)).toMatchObject({ status: 404 });
  }, 45_000);
});

describe('the projection through the real bus', () => {
  it('converges to the final state for a random interleaving of duplicated, reordered events', async () => {
    const [scenario, batches] = fc.sample(scenarioArb.chain((s) => fc.tuple(fc.constant(s), deliveriesArb(eventsOf(s)))), { numRuns: 1, seed: Number(process.env.THREAD_BUS_SEED ?? Date.now() % 100000) })[0]!;
    for (const e of batches.flat()) await publish(e);
    const want = expectedItems(scenario);
    const sorted = (items: unknown[]) => [...items].sort((a, b) => ((a as { id: string }).id < (b as { id: string }).id ? -1 : 1));
    await eventually(
      () => api(scenario.userId, 'GET', '/api/threads?limit=100').then((r) => sorted(r.body.items)),
      (items) => JSON.stringify(items) === JSON.stringify(sorted([...want.values()])),
      30_000,
      'views equal to the final state',
    );
  }, 45_000);
});

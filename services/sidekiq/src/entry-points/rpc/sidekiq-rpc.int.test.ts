import { randomUUID } from 'node:crypto';
import { AppError, BusConnection, RpcClient, SIDEKIQ_RPC_QUEUE, resolvedSidekiqSchema, snapshotsResultSchema } from '@sidekiq/shared';
import { testLogger } from '../../../../../test/support/env';
import { BrokerProbe, amqpUrl, call, newUser, startTestService, type TestService } from '../../testing/harness';

let broker: BrokerProbe;
let bus: BusConnection;
let rpc: RpcClient;
let service: TestService | undefined;

beforeAll(async () => {
  broker = await BrokerProbe.open();
  await broker.purgeSidekiqQueues();
  bus = await BusConnection.open(amqpUrl(), testLogger('rpc-caller'));
  rpc = await RpcClient.create(bus);
  service = await startTestService();
});
afterAll(async () => {
  await service?.close();
  await bus?.close();
  await broker?.close();
});

const resolve = (userId: string, sidekiqId: string, timeoutMs = 3000) =>
  rpc.call(SIDEKIQ_RPC_QUEUE, { method: 'resolveForChat', userId, sidekiqId }, resolvedSidekiqSchema, timeoutMs);

/** The thrown AppError as plain data, to compare answers in full. */
const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    const e = err as AppError;
    return { code: e.code, message: e.message, details: e.details };
  }
  throw new Error('expected the call to fail');
};

describe('RPC resolveForChat', () => {
  it('answers the owner with id, name, avatar, instructions, version, model and temperature', async () => {
    const user = newUser();
    const created = (await call(service!, 'POST', '/api/sidekiqs', { user, body: { name: 'Tutor', instructions: 'Be Socratic.', model: 'm-9', temperature: 0.7 } })).body;
    expect(await resolve(user, created.id)).toEqual({ id: created.id, name: 'Tutor', avatar: created.avatar, instructions: 'Be Socratic.', version: 1, model: 'm-9', temperature: 0.7 });
  });

  it('answers fresh instructions and version right after an update', async () => {
    const user = newUser();
    const created = (await call(service!, 'POST', '/api/sidekiqs', { user, body: { name: 'Tutor' } })).body;
    await call(service!, 'PATCH', `/api/sidekiqs/${created.id}`, { user, body: { instructions: 'Now terse.' } });
    expect(await resolve(user, created.id)).toMatchObject({ instructions: 'Now terse.', version: 2, model: null, temperature: null });
  });

  it('answers another user’s Sidekiq exactly like a missing one: SIDEKIQ_NOT_FOUND', async () => {
    const owner = newUser();
    const created = (await call(service!, 'POST', '/api/sidekiqs', { user: owner, body: { name: 'Mine' } })).body;
    const intruder = newUser();
    const foreign = await failure(resolve(intruder, created.id));
    const missing = await failure(resolve(intruder, randomUUID()));
    expect(foreign).toEqual(missing);
    expect(foreign).toEqual({ code: 'SIDEKIQ_NOT_FOUND', message: 'Sidekiq not found', details: null });
    // And byte for byte on the wire.
    const raw = (id: string) => broker.rawRpc(SIDEKIQ_RPC_QUEUE, Buffer.from(JSON.stringify({ method: 'resolveForChat', userId: intruder, sidekiqId: id })));
    expect(await raw(created.id)).toEqual(await raw(randomUUID()));
  });

  it('answers SIDEKIQ_NOT_FOUND once the Sidekiq is deleted', async () => {
    const user = newUser();
    const created = (await call(service!, 'POST', '/api/sidekiqs', { user, body: { name: 'Gone' } })).body;
    await call(service!, 'DELETE', `/api/sidekiqs/${created.id}`, { user });
    expect((await failure(resolve(user, created.id))).code).toBe('SIDEKIQ_NOT_FOUND');
  });

  it('answers a malformed request with a structured VALIDATION_FAILED naming the fields', async () => {
    const err = await failure(rpc.call(SIDEKIQ_RPC_QUEUE, { method: 'resolveForChat', userId: '' }, resolvedSidekiqSchema, 3000));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect((err.details as Array<{ field: string }>).map((d) => d.field).sort()).toEqual(['sidekiqId', 'userId']);
    const unknown = await failure(rpc.call(SIDEKIQ_RPC_QUEUE, { method: 'dropTables' }, resolvedSidekiqSchema, 3000));
    expect(unknown.code).toBe('VALIDATION_FAILED');
  });

  it('answers a request that is not JSON at all with a structured error, never silence', async () => {
    const reply = await broker.rawRpc(SIDEKIQ_RPC_QUEUE, Buffer.from('this is {not json'));
    expect(reply).toEqual({ ok: false, error: { code: 'VALIDATION_FAILED', message: expect.any(String), details: null } });
    const empty = await broker.rawRpc(SIDEKIQ_RPC_QUEUE, Buffer.alloc(0));
    expect(empty).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('answers snapshots of existing ids and leaves deleted or unknown ids out', async () => {
    const user = newUser();
    const a = (await call(service!, 'POST', '/api/sidekiqs', { user, body: { name: 'A', instructions: 'hidden' } })).body;
    const b = (await call(service!, 'POST', '/api/sidekiqs', { user, body: { name: 'B' } })).body;
    await call(service!, 'DELETE', `/api/sidekiqs/${b.id}`, { user });
    const result = await rpc.call(SIDEKIQ_RPC_QUEUE, { method: 'snapshots', ids: [a.id, b.id, randomUUID()] }, snapshotsResultSchema, 3000);
    expect(result).toEqual([{ id: a.id, userId: user, name: 'A', avatar: a.avatar, version: 1, updatedAt: a.updatedAt }]);
  });

  it('when the service is stopped, the caller gets SERVICE_UNAVAILABLE within its timeout, and the stale request is not served later', async () => {
    const user = newUser();
    const created = (await call(service!, 'POST', '/api/sidekiqs', { user, body: { name: 'Later' } })).body;
    const db = service!.db;
    await service!.close();
    service = undefined;
    const started = Date.now();
    const err = await failure(resolve(user, created.id, 500));
    const elapsed = Date.now() - started;
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(1500);
    // The request carried the caller's timeout as its TTL: the broker drops it, nobody works on it.
    await new Promise((r) => setTimeout(r, 300));
    const q = await broker.ch.checkQueue(SIDEKIQ_RPC_QUEUE);
    expect(q.messageCount).toBe(0);
    // Back up, it answers again.
    service = await startTestService({ db });
    expect((await resolve(user, created.id)).name).toBe('Later');
  });
});

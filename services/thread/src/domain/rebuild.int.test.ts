import { randomUUID } from 'node:crypto';
import { BusConnection, RpcClient, chatRpcRequestSchema, serveRpc, snapshotsRequestSchema, type ThreadFact } from '@sidekiq/shared';
import { testLogger } from '../../../../test/support/env';
import { projectionStack, type ProjectionStack } from '../testing/harness';
import { busProbe } from '../testing/bus-probe';
import { ownerSources } from '../data-access/owner-sources';
import { threadUseCases } from './use-cases';
import { rebuild, type RebuildDeps } from './rebuild';

const run = randomUUID().slice(0, 8);
const USER = `rebuilder-${run}`;
const QUEUES = { chat: `chat.rpc.test.${run}`, sidekiq: `sidekiq.rpc.test.${run}` };
const avatar = { type: 'initials' as const, value: 'AB', color: '#101010' };
const at = (m: number) => new Date(Date.parse('2026-05-01T00:00:00Z') + m * 60_000).toISOString();
const id = (n: number) => `t${n}-${run}`;

/** What the chat service knows: t1..t5 (t3 is not among them: the view of t3 is extra). */
const chatFacts: ThreadFact[] = [
  { threadId: id(1), userId: USER, sidekiqId: `s1-${run}`, createdAt: at(0), lastActivityAt: at(5), firstUserMessagePreview: 'hello' },
  { threadId: id(2), userId: USER, sidekiqId: null, createdAt: at(1), lastActivityAt: at(2), firstUserMessagePreview: 'missing one' },
  { threadId: id(4), userId: USER, sidekiqId: null, createdAt: at(3), lastActivityAt: at(30), firstUserMessagePreview: 'pinned one' },
  { threadId: id(5), userId: USER, sidekiqId: `s2-${run}`, createdAt: at(4), lastActivityAt: at(4), firstUserMessagePreview: null },
].sort((a, b) => (a.threadId < b.threadId ? -1 : 1));
/** What the sidekiq service knows: s1 was renamed, s2 is gone. */
const sidekiqs = [{ id: `s1-${run}`, userId: USER, name: 'Renamed', avatar, version: 2, updatedAt: at(0) }];

let stack: ProjectionStack;
let bus: BusConnection;
let deps: RebuildDeps;
let probe: Awaited<ReturnType<typeof busProbe>>;

beforeAll(async () => {
  stack = await projectionStack('thread_rebuild');
  bus = await BusConnection.open(process.env.AMQP_URL!, testLogger('thread-rebuild-test'));
  probe = await busProbe();
  // Tiny fakes of the owners, serving the contracts over the real RabbitMQ.
  await serveRpc(bus, QUEUES.chat, chatRpcRequestSchema, async (req) => {
    const mine = chatFacts.filter((f) => (!req.userId || f.userId === req.userId) && (!req.afterId || f.threadId > req.afterId));
    const items = mine.slice(0, req.limit);
    return { items, nextAfterId: mine.length > req.limit ? items[items.length - 1]!.threadId : null };
  });
  await serveRpc(bus, QUEUES.sidekiq, snapshotsRequestSchema, async (req) => sidekiqs.filter((s) => req.ids.includes(s.id)));
  deps = { facts: stack.facts, views: stack.views, converge: stack.converge, owners: ownerSources(await RpcClient.create(bus), QUEUES, 2), clock: () => new Date() };

  const p = stack.projections;
  await p.threadCreated({ threadId: id(1), userId: USER, sidekiq: { id: `s1-${run}`, name: 'Original', avatar, version: 1 }, title: null, createdAt: at(0) });
  await p.threadActivity(randomUUID(), { threadId: id(1), at: at(1), userMessagePreview: 'hello' });
  await p.threadActivity(randomUUID(), { threadId: id(1), at: at(5), userMessagePreview: 'again' });
  await p.threadCreated({ threadId: id(3), userId: USER, sidekiq: null, title: 'ghost', createdAt: at(2) });
  await p.threadCreated({ threadId: id(4), userId: USER, sidekiq: null, title: null, createdAt: at(3) });
  await p.threadActivity(randomUUID(), { threadId: id(4), at: at(3), userMessagePreview: 'pinned one' });
  await threadUseCases({ ...deps, outbox: null as never }).patch(USER, id(4), { pinned: true, archived: true, title: 'My title' });
  await p.threadCreated({ threadId: id(5), userId: USER, sidekiq: { id: `s2-${run}`, name: 'Gone soon', avatar, version: 3 }, title: 'started', createdAt: at(4) });
}, 60_000);

afterAll(async () => {
  await probe.deleteQueues(QUEUES.chat, QUEUES.sidekiq);
  await probe.close();
  await bus.close();
  await stack.close();
});

describe('the rebuild', () => {
  it('reports missing, extra and changed views from the owners, keeping what only the user decides, and writes nothing', async () => {
    const report = await rebuild(deps, { userId: USER, apply: false });
    expect(report.checked).toBe(4);
    expect(report.remaining).toBeNull();
    expect(report.differences.map((d) => [d.threadId, d.kind, d.kind === 'changed' ? d.fields.map((f) => f.field) : []])).toEqual([
      [id(1), 'changed', ['sidekiq']],
      [id(2), 'missing', []],
      [id(3), 'extra', []],
      [id(4), 'changed', ['lastActivityAt']],
      [id(5), 'changed', ['sidekiqDeleted']],
    ]);
    expect(await stack.views.findById(id(2))).toBeNull();
    expect(await stack.views.findById(id(3))).not.toBeNull();
  });

  it('with apply, fixes every difference and a second run finds none', async () => {
    const report = await rebuild(deps, { userId: USER, apply: true });
    expect(report.differences).toHaveLength(5);
    expect(report.remaining).toEqual([]);
    expect((await rebuild(deps, { userId: USER, apply: false })).differences).toEqual([]);
    expect(await stack.views.findById(id(3))).toBeNull();
    expect(await stack.views.findById(id(2))).toMatchObject({ title: 'missing one', lastActivityAt: new Date(at(2)) });
    expect(await stack.views.findById(id(1))).toMatchObject({ sidekiq: { name: 'Renamed' }, title: 'hello' });
    expect(await stack.views.findById(id(4))).toMatchObject({ pinned: true, archived: true, title: 'My title', lastActivityAt: new Date(at(30)) });
    expect(await stack.views.findById(id(5))).toMatchObject({ sidekiq: { name: 'Gone soon' }, sidekiqDeleted: true, title: 'started' });
  });
});

import fc from 'fast-check';
import { SidekiqDeleted, SidekiqUpdated, ThreadActivity, ThreadCreated, ThreadDeleted, type Envelope } from '@sidekiq/shared';
import { projectionStack, type ProjectionStack } from '../testing/harness';
import { deliveriesArb, eventsOf, expectedItems, scenarioArb } from '../testing/scenario';
import { toListItem } from './view';
import type { ThreadProjections } from './projections';

/** Routes an envelope to its projection, as the consumer does. */
async function deliver(p: ThreadProjections, e: Envelope): Promise<void> {
  const d = e.data as never;
  if (e.type === ThreadCreated.type) await p.threadCreated(d);
  else if (e.type === ThreadActivity.type) await p.threadActivity(e.id, d);
  else if (e.type === SidekiqUpdated.type) await p.sidekiqUpdated(d);
  else if (e.type === SidekiqDeleted.type) await p.sidekiqDeleted(d);
  else if (e.type === ThreadDeleted.type) await p.threadDeleted(d);
  else throw new Error(`unexpected ${e.type}`);
}

const RUNS = Number(process.env.THREAD_PROPERTY_RUNS ?? 50);
let stack: ProjectionStack;
beforeAll(async () => {
  stack = await projectionStack('thread_proj');
});
afterAll(() => stack.close());

describe('thread projections on the real database', () => {
  it('end with the views the final state implies, for any interleaving of duplicated, reordered events', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb.chain((s) => fc.tuple(fc.constant(s), deliveriesArb(eventsOf(s)))), async ([scenario, batches]) => {
        for (const batch of batches) await Promise.all(batch.map((e) => deliver(stack.projections, e)));
        const want = expectedItems(scenario);
        for (const [id, item] of want) {
          const view = await stack.views.findOwned(scenario.userId, id);
          expect(view && toListItem(view)).toEqual(item);
        }
      }),
      { numRuns: RUNS },
    );
  }, 60_000 + RUNS * 3000); // ~1 s a run; room for a database shared with other test runs

  it('when a SidekiqUpdated arrives before the ThreadCreated carrying an older snapshot, the newer name wins', async () => {
    const avatar = { type: 'initials' as const, value: 'N', color: '#000000' };
    await stack.projections.sidekiqUpdated({ id: 'sk-early', name: 'Newer', avatar, version: 5 });
    await stack.projections.threadCreated({ threadId: 'th-early', userId: 'u-early', sidekiq: { id: 'sk-early', name: 'Older', avatar, version: 2 }, title: null, createdAt: new Date().toISOString() });
    expect((await stack.views.findById('th-early'))?.sidekiq?.name).toBe('Newer');
  });

  it('when a ThreadCreated comes after the thread was deleted, the thread stays deleted', async () => {
    const created = { threadId: 'th-dead', userId: 'u-dead', sidekiq: null, title: 'x', createdAt: new Date().toISOString() };
    await stack.projections.threadCreated(created);
    await stack.projections.threadDeleted({ threadId: 'th-dead', userId: 'u-dead', deletedAt: new Date().toISOString() });
    await stack.projections.threadCreated(created);
    await stack.projections.threadActivity('00000000-0000-4000-8000-000000000001', { threadId: 'th-dead', at: new Date().toISOString(), userMessagePreview: 'hi' });
    expect(await stack.views.findById('th-dead')).toBeNull();
    expect(stack.changes.filter((c) => c.frame.type === 'thread.removed' && c.frame.threadId === 'th-dead')).toHaveLength(1);
  });

  it('when a ThreadActivity comes before its ThreadCreated, its title and time are merged in', async () => {
    const at = new Date(Date.now() + 60_000).toISOString();
    await stack.projections.threadActivity('00000000-0000-4000-8000-000000000002', { threadId: 'th-late', at, userMessagePreview: 'first words' });
    expect(await stack.views.findById('th-late')).toBeNull();
    await stack.projections.threadCreated({ threadId: 'th-late', userId: 'u-late', sidekiq: null, title: null, createdAt: new Date().toISOString() });
    expect(await stack.views.findById('th-late')).toMatchObject({ title: 'first words', lastActivityAt: new Date(at) });
  });

  it('when a Sidekiq is renamed, one thread.upserted per thread showing it is published, and a duplicate publishes none', async () => {
    const avatar = { type: 'emoji' as const, value: '🙂', color: '#abcdef' };
    for (const i of [1, 2, 3]) {
      await stack.projections.threadCreated({ threadId: `th-fan-${i}`, userId: 'u-fan', sidekiq: { id: 'sk-fan', name: 'A', avatar, version: 1 }, title: null, createdAt: new Date().toISOString() });
    }
    const before = stack.changes.length;
    await stack.projections.sidekiqUpdated({ id: 'sk-fan', name: 'B', avatar, version: 2 });
    const frames = stack.changes.slice(before);
    expect(frames.map((c) => (c.frame.type === 'thread.upserted' ? [c.frame.thread.id, c.frame.thread.sidekiq?.name] : null)).sort()).toEqual([
      ['th-fan-1', 'B'], ['th-fan-2', 'B'], ['th-fan-3', 'B'],
    ]);
    await stack.projections.sidekiqUpdated({ id: 'sk-fan', name: 'B', avatar, version: 2 });
    await stack.projections.sidekiqUpdated({ id: 'sk-fan', name: 'A', avatar, version: 1 });
    expect(stack.changes.length).toBe(before + 3);
  });
});

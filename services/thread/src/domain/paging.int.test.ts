import { randomUUID } from 'node:crypto';
import { projectionStack, type ProjectionStack } from '../testing/harness';
import { threadUseCases, type ThreadUseCases } from './use-cases';

/** A small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s % n;
  };
}

const USER = `pager-${randomUUID().slice(0, 8)}`;
const BASE = Date.parse('2026-04-01T00:00:00Z');
let stack: ProjectionStack;
let useCases: ThreadUseCases;
let clock = BASE + 10_000 * 60_000;
const now = () => new Date((clock += 1000));

async function create(id: string, minute: number): Promise<void> {
  await stack.projections.threadCreated({ threadId: id, userId: USER, sidekiq: null, title: id, createdAt: new Date(BASE + minute * 60_000).toISOString() });
}

beforeAll(async () => {
  stack = await projectionStack('thread_paging');
  useCases = threadUseCases({ facts: stack.facts, views: stack.views, converge: stack.converge, outbox: null as never, clock: () => new Date() });
  const ids = Array.from({ length: 500 }, (_, i) => `t${String(i).padStart(3, '0')}`);
  // Three threads share each minute, so the id tiebreak is exercised too.
  for (let i = 0; i < ids.length; i += 10) await Promise.all(ids.slice(i, i + 10).map((id, k) => create(id, Math.floor((i + k) / 3))));
  for (let i = 0; i < 500; i += 25) await useCases.patch(USER, ids[i]!, { pinned: true });
}, 120_000);
afterAll(() => stack.close());

describe('paging through 500 threads', () => {
  it('while others are created and reordered, returns every thread that did not move exactly once and none twice', async () => {
    const rand = prng(42);
    const initial = new Set((await stack.views.list({ userId: USER }, 1000)).map((v) => v.id));
    expect(initial.size).toBe(500);
    const seen: string[] = [];
    const moved = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await useCases.list(USER, { limit: 23, cursor });
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
      // Between pages: new threads arrive on top, activity moves threads up, pins move them up, unpins move them down.
      for (let k = 0; k < 3; k++) await create(`new-${pages}-${k}`, 100_000 + pages * 10 + k);
      for (let k = 0; k < 3; k++) {
        const id = `t${String(rand(500)).padStart(3, '0')}`;
        moved.add(id);
        await stack.projections.threadActivity(randomUUID(), { threadId: id, at: now().toISOString(), userMessagePreview: 'more' });
      }
      const pinnedSeen = seen.filter((id) => initial.has(id) && !moved.has(id)).slice(0, 30);
      const toUnpin = pinnedSeen.find((id) => Number(id.slice(1)) % 25 === 0);
      if (toUnpin) {
        moved.add(toUnpin);
        await useCases.patch(USER, toUnpin, { pinned: false });
      }
      const toPin = `t${String(rand(500)).padStart(3, '0')}`;
      moved.add(toPin);
      await useCases.patch(USER, toPin, { pinned: true });
    } while (cursor);

    const counts = new Map<string, number>();
    for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
    const unmoved = [...initial].filter((id) => !moved.has(id));
    expect(unmoved.filter((id) => counts.get(id) !== 1)).toEqual([]);
    expect(unmoved.length).toBeGreaterThan(300);
    expect(moved.size).toBeGreaterThan(50);
  }, 120_000);

  it('filters by archived and by Sidekiq without breaking the order', async () => {
    await useCases.patch(USER, 't001', { archived: true });
    const archived = await useCases.list(USER, { limit: 100, archived: true });
    expect(archived.items.map((i) => i.id)).toEqual(['t001']);
    const active = await useCases.list(USER, { limit: 100, archived: false });
    expect(active.items.some((i) => i.id === 't001')).toBe(false);
    expect(active.items.slice(0, 5).every((i, k, a) => k === 0 || !i.pinned || a[k - 1]!.pinned)).toBe(true);
    expect((await useCases.list(USER, { limit: 10, sidekiqId: 'nobody' })).items).toEqual([]);
  });
});

import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { SidekiqDeleted, SidekiqUpdated, ThreadActivity, ThreadCreated, type Envelope, type ThreadListItem } from '@sidekiq/shared';

/**
 * A random "final state" of a user's threads and Sidekiqs, the events that lead to it, and the
 * list items that state implies — computed here independently of the projection code.
 */
export interface Scenario {
  userId: string;
  sidekiqs: Array<{ id: string; names: string[]; deleted: boolean }>;
  threads: Array<{ id: string; sidekiq: number | null; snapshotVersion: number; title: string | null; createdAt: Date; activities: Array<{ at: Date; preview: string }> }>;
}

const T0 = Date.parse('2026-03-01T00:00:00Z');
const avatarOf = (name: string) => ({ type: 'initials' as const, value: name.slice(0, 2).toUpperCase() || 'X', color: '#123456' });

export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    sidekiqs: fc.array(fc.record({ names: fc.array(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }), deleted: fc.boolean() }), { minLength: 1, maxLength: 2 }),
    threads: fc.array(
      fc.record({
        sidekiq: fc.option(fc.nat(1), { nil: null }),
        snapshotPick: fc.nat(3),
        title: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
        minute: fc.nat(1000),
        activityMinutes: fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { maxLength: 4 }),
        previews: fc.array(fc.string({ maxLength: 12 }), { minLength: 4, maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  })
  .map(({ sidekiqs, threads }) => {
    const run = randomUUID().slice(0, 8);
    const sks = sidekiqs.map((s, i) => ({ id: `sk-${run}-${i}`, ...s }));
    return {
      userId: `user-${run}`,
      sidekiqs: sks,
      threads: threads.map((t, i) => {
        const sidekiq = t.sidekiq === null ? null : t.sidekiq % sks.length;
        const createdAt = new Date(T0 + (t.minute * 1000 + i) * 60_000);
        return {
          id: `th-${run}-${i}`,
          sidekiq,
          snapshotVersion: sidekiq === null ? 0 : (t.snapshotPick % sks[sidekiq]!.names.length) + 1,
          title: t.title,
          createdAt,
          activities: t.activityMinutes.map((m, k) => ({ at: new Date(createdAt.getTime() + m * 60_000), preview: t.previews[k]! })),
        };
      }),
    };
  });

/** Every event of the scenario once; callers duplicate and reorder them. */
export function eventsOf(s: Scenario): Envelope[] {
  const out: Envelope[] = [];
  for (const sk of s.sidekiqs) {
    sk.names.forEach((name, v) => out.push(SidekiqUpdated.create({ id: sk.id, userId: s.userId, name, avatar: avatarOf(name), version: v + 1, updatedAt: new Date(T0).toISOString() })));
    if (sk.deleted) out.push(SidekiqDeleted.create({ id: sk.id, userId: s.userId, version: sk.names.length + 1, deletedAt: new Date(T0).toISOString() }));
  }
  for (const t of s.threads) {
    const sk = t.sidekiq === null ? null : s.sidekiqs[t.sidekiq]!;
    const name = sk ? sk.names[t.snapshotVersion - 1]! : '';
    out.push(ThreadCreated.create({
      threadId: t.id,
      userId: s.userId,
      sidekiq: sk ? { id: sk.id, name, avatar: avatarOf(name), version: t.snapshotVersion } : null,
      title: t.title,
      createdAt: t.createdAt.toISOString(),
    }));
    for (const a of t.activities) out.push(ThreadActivity.create({ threadId: t.id, userId: s.userId, at: a.at.toISOString(), userMessagePreview: a.preview }));
  }
  return out;
}

/** The list items the final state implies, by thread id. */
export function expectedItems(s: Scenario): Map<string, ThreadListItem> {
  const trimmed = (x: string | null | undefined) => (x && x.trim() ? x.trim() : null);
  return new Map(
    s.threads.map((t) => {
      const sk = t.sidekiq === null ? null : s.sidekiqs[t.sidekiq]!;
      const first = [...t.activities].sort((a, b) => a.at.getTime() - b.at.getTime())[0];
      const last = Math.max(t.createdAt.getTime(), ...t.activities.map((a) => a.at.getTime()));
      const name = sk?.names[sk.names.length - 1];
      return [t.id, {
        id: t.id,
        title: trimmed(first?.preview) ?? t.title,
        sidekiq: sk ? { id: sk.id, name: name!, avatar: avatarOf(name!) } : null,
        sidekiqDeleted: sk?.deleted ?? false,
        pinned: false,
        archived: false,
        createdAt: t.createdAt.toISOString(),
        lastActivityAt: new Date(last).toISOString(),
      }];
    }),
  );
}

/** The events duplicated and reordered by `order` (random keys), as fast-check generates them. */
export const deliveriesArb = (events: Envelope[]) =>
  fc.tuple(fc.array(fc.nat(events.length - 1), { maxLength: events.length }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: events.length * 2, maxLength: events.length * 2 }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: events.length * 2, maxLength: events.length * 2 }))
    .map(([dups, keys, batchSizes]) => {
      const all = [...events, ...dups.map((i) => events[i]!)];
      const order = all.map((e, i) => ({ e, k: keys[i] ?? 0 })).sort((a, b) => a.k - b.k).map((x) => x.e);
      // Consecutive deliveries handled concurrently, as a consumer with prefetch does.
      const batches: Envelope[][] = [];
      for (let i = 0, b = 0; i < order.length; b++) {
        const n = batchSizes[b] ?? 1;
        batches.push(order.slice(i, i + n));
        i += n;
      }
      return batches;
    });

import { createHash } from 'node:crypto';
import type { ThreadFact } from '@sidekiq/shared';
import type { FactsRepository } from '../data-access/facts-repository';
import type { ViewRepository } from '../data-access/view-repository';
import type { Converge } from '../data-access/converge';
import type { OwnerSources } from '../data-access/owner-sources';
import { diffViews, type Difference } from './rebuild-diff';

export interface RebuildReport {
  checked: number;
  /** Threads the chat service still has but that are deleted here: its ThreadDeleted is on its way. */
  pendingDeletion: number;
  differences: Difference[];
  /** With apply: the differences left after fixing (should be none). */
  remaining: Difference[] | null;
}

export interface RebuildDeps {
  facts: FactsRepository;
  views: ViewRepository;
  converge: Converge;
  owners: OwnerSources;
  clock: () => Date;
}

const digest = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 10);

/**
 * Recomputes views from the owning services page by page (keyset by thread id), merge-joined
 * with our views of the same id range, so "extra" views are found without loading everything.
 * Fixes are written as facts, never as views: the normal converge loop then derives the view,
 * so a fix and concurrent events cannot fight.
 */
export async function rebuild(deps: RebuildDeps, options: { userId?: string; apply: boolean }): Promise<RebuildReport> {
  const report: RebuildReport = { checked: 0, pendingDeletion: 0, differences: [], remaining: options.apply ? [] : null };
  let after: string | undefined;
  do {
    const page = await deps.owners.threadFacts(options.userId, after);
    const upTo = page.nextAfterId ?? undefined;
    const tombstoned = await deps.facts.tombstonedAmong(page.items.map((f) => f.threadId));
    const live = page.items.filter((f) => !tombstoned.has(f.threadId));
    const sidekiqs = await deps.owners.sidekiqs([...new Set(live.flatMap((f) => (f.sidekiqId ? [f.sidekiqId] : [])))]);
    const diffs = diffViews(await deps.views.range(options.userId, after, upTo), live, sidekiqs);
    report.checked += page.items.length;
    report.pendingDeletion += tombstoned.size;
    report.differences.push(...diffs);
    if (options.apply && diffs.length > 0) {
      const byId = new Map(live.map((f) => [f.threadId, f]));
      for (const d of diffs) await fix(deps, d, byId.get(d.threadId), sidekiqs);
      report.remaining!.push(...diffViews(await deps.views.range(options.userId, after, upTo), live, sidekiqs));
    }
    after = page.nextAfterId ?? undefined;
  } while (after !== undefined);
  return report;
}

async function fix(deps: RebuildDeps, d: Difference, fact: ThreadFact | undefined, sidekiqs: Awaited<ReturnType<OwnerSources['sidekiqs']>>): Promise<void> {
  const { facts, converge, clock } = deps;
  if (d.kind === 'extra' || !fact) {
    // The owner has no such thread: it is gone; a tombstone keeps a stray event from bringing it back.
    await facts.recordTombstone(d.threadId, d.userId, clock());
    await converge(d.threadId);
    await facts.forgetThread(d.threadId);
    return;
  }
  const existing = await facts.createdOf(fact.threadId);
  await facts.replaceCreated({ threadId: fact.threadId, userId: fact.userId, sidekiqId: fact.sidekiqId, title: existing?.title ?? null, createdAt: new Date(fact.createdAt) });
  if (fact.sidekiqId) {
    const owner = sidekiqs.get(fact.sidekiqId);
    const known = await facts.snapshotsOf(fact.sidekiqId);
    if (owner) await facts.recordSnapshot({ kind: 'state', sidekiqId: owner.id, version: owner.version, name: owner.name, avatar: owner.avatar });
    else if (!known.some((s) => s.kind === 'deleted')) {
      await facts.recordSnapshot({ kind: 'deleted', sidekiqId: fact.sidekiqId, version: Math.max(0, ...known.map((s) => s.version)) + 1 });
    }
  }
  // Activity: replace what we had with the owner's first and last turn (insert first, then remove the old, so the view never empties).
  const old = await facts.activityIds(fact.threadId);
  const preview = fact.firstUserMessagePreview ?? '';
  const firstId = `rebuild:first:${fact.threadId}:${fact.createdAt}:${digest(preview)}`;
  const lastId = `rebuild:last:${fact.threadId}:${fact.lastActivityAt}`;
  await facts.recordActivity(fact.threadId, { id: firstId, at: new Date(fact.createdAt), preview });
  await facts.recordActivity(fact.threadId, { id: lastId, at: new Date(Math.max(Date.parse(fact.createdAt), Date.parse(fact.lastActivityAt))), preview: '' });
  await facts.removeActivities(old.filter((id) => id !== firstId && id !== lastId));
  await converge(fact.threadId);
}

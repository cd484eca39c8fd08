import type { Avatar, SidekiqSummary, ThreadListItem } from '@sidekiq/shared';

/**
 * The list view of a thread is never edited in place: it is *derived* from facts that are only
 * ever inserted (or pruned where pruning cannot change the result). Each fact has one writer
 * concern, so no two writers ever race on one document, which is what keeps the projection
 * correct on servers whose updates are not atomic (FerretDB) as well as on MongoDB.
 */

/** From ThreadCreated: immutable. */
export interface CreatedFact {
  threadId: string;
  userId: string;
  sidekiqId: string | null;
  title: string | null;
  createdAt: Date;
}

/** One chat turn (ThreadActivity); keyed by event id, so a duplicate is a no-op. */
export interface ActivityFact {
  id: string;
  at: Date;
  preview: string;
}

/** A version of a Sidekiq as some event told it; `deleted` marks SidekiqDeleted. */
export type SnapshotFact =
  | { kind: 'state'; sidekiqId: string; version: number; name: string; avatar: Avatar }
  | { kind: 'deleted'; sidekiqId: string; version: number };

/** What the user chose; each field is its own document, so concurrent PATCHes of different fields never collide. */
export interface UserSettings {
  title?: string;
  pinned?: boolean;
  archived?: boolean;
  /** When `pinned` last went from true to false: the only way a thread moves *down* the list. */
  pinLoweredAt?: Date | null;
}

export interface ThreadFacts {
  created: CreatedFact | null;
  tombstoned: boolean;
  /** The earliest and the latest activity (ties broken by id); everything in between is irrelevant. */
  earliest: ActivityFact | null;
  latest: ActivityFact | null;
  snapshots: SnapshotFact[];
  settings: UserSettings;
}

/** The stored view: the public list item plus what queries and cursors need. */
export interface ViewRecord {
  id: string;
  userId: string;
  sidekiqId: string | null;
  title: string | null;
  titleSetByUser: boolean;
  sidekiq: SidekiqSummary | null;
  sidekiqDeleted: boolean;
  pinned: boolean;
  archived: boolean;
  createdAt: Date;
  lastActivityAt: Date;
  /** See UserSettings.pinLoweredAt; the cursor uses it so a thread is never listed twice. */
  keyLoweredAt: Date | null;
}

/** The newest known state of a Sidekiq (name/avatar survive deletion) and whether it is deleted. */
export function resolveSidekiq(snapshots: SnapshotFact[]): { summary: SidekiqSummary | null; deleted: boolean } {
  let best: Extract<SnapshotFact, { kind: 'state' }> | null = null;
  let deleted = false;
  for (const s of snapshots) {
    if (s.kind === 'deleted') deleted = true;
    else if (!best || s.version > best.version) best = s;
  }
  return { summary: best ? { id: best.sidekiqId, name: best.name, avatar: best.avatar } : null, deleted };
}

const nonEmpty = (s: string | null | undefined) => (s && s.trim().length > 0 ? s.trim() : null);

/** The view the facts imply; null when the thread is unknown (no ThreadCreated yet) or deleted. */
export function deriveView(f: ThreadFacts): ViewRecord | null {
  const c = f.created;
  if (!c || f.tombstoned) return null;
  const userTitle = nonEmpty(f.settings.title);
  const sidekiq = c.sidekiqId ? resolveSidekiq(f.snapshots.filter((s) => s.sidekiqId === c.sidekiqId)) : { summary: null, deleted: false };
  const latest = f.latest && f.latest.at > c.createdAt ? f.latest.at : c.createdAt;
  return {
    id: c.threadId,
    userId: c.userId,
    sidekiqId: c.sidekiqId,
    title: userTitle ?? nonEmpty(f.earliest?.preview) ?? c.title,
    titleSetByUser: userTitle !== null,
    sidekiq: sidekiq.summary,
    sidekiqDeleted: sidekiq.deleted,
    pinned: f.settings.pinned ?? false,
    archived: f.settings.archived ?? false,
    createdAt: c.createdAt,
    lastActivityAt: latest,
    keyLoweredAt: f.settings.pinLoweredAt ?? null,
  };
}

export function toListItem(v: ViewRecord): ThreadListItem {
  return {
    id: v.id,
    title: v.title,
    sidekiq: v.sidekiq ? { id: v.sidekiq.id, name: v.sidekiq.name, avatar: { type: v.sidekiq.avatar.type, value: v.sidekiq.avatar.value, color: v.sidekiq.avatar.color } } : null,
    sidekiqDeleted: v.sidekiqDeleted,
    pinned: v.pinned,
    archived: v.archived,
    createdAt: v.createdAt.toISOString(),
    lastActivityAt: v.lastActivityAt.toISOString(),
  };
}

/** Field-by-field equality in a fixed key order (stored documents come back in any order). */
export function sameView(a: ViewRecord | null, b: ViewRecord | null): boolean {
  if (!a || !b) return a === b;
  const canon = (v: ViewRecord) =>
    JSON.stringify([v.id, v.userId, v.sidekiqId, v.titleSetByUser, v.keyLoweredAt?.getTime() ?? null, toListItem(v)]);
  return canon(a) === canon(b);
}

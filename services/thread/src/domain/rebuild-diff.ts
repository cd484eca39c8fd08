import type { Avatar, ThreadFact } from '@sidekiq/shared';
import type { ViewRecord } from './view';

/** A Sidekiq as its owning service knows it now. */
export interface OwnerSidekiq {
  id: string;
  name: string;
  avatar: Avatar;
  version: number;
}

export interface FieldDiff {
  field: string;
  have: unknown;
  want: unknown;
}

export type Difference =
  | { kind: 'missing'; threadId: string; userId: string; expected: ViewRecord }
  | { kind: 'extra'; threadId: string; userId: string }
  | { kind: 'changed'; threadId: string; userId: string; fields: FieldDiff[]; expected: ViewRecord };

const nonEmpty = (s: string | null | undefined) => (s && s.trim().length > 0 ? s.trim() : null);

/**
 * The view the owning services imply. What only the user decides (pinned, archived, a title the
 * user set) is taken from the current view: the owners do not know it, so it is never a diff.
 * A Sidekiq the sidekiq service no longer has is deleted; its last known name stays.
 */
export function expectedView(fact: ThreadFact, sidekiq: OwnerSidekiq | undefined, current: ViewRecord | undefined): ViewRecord {
  const createdAt = new Date(fact.createdAt);
  const lastActivityAt = new Date(Math.max(createdAt.getTime(), Date.parse(fact.lastActivityAt)));
  const userTitle = current?.titleSetByUser ? current.title : null;
  const known = current?.sidekiq && current.sidekiq.id === fact.sidekiqId ? current.sidekiq : null;
  return {
    id: fact.threadId,
    userId: fact.userId,
    sidekiqId: fact.sidekiqId,
    title: userTitle ?? nonEmpty(fact.firstUserMessagePreview) ?? current?.title ?? null,
    titleSetByUser: userTitle !== null,
    sidekiq: fact.sidekiqId === null ? null : sidekiq ? { id: sidekiq.id, name: sidekiq.name, avatar: sidekiq.avatar } : known,
    sidekiqDeleted: fact.sidekiqId !== null && !sidekiq,
    pinned: current?.pinned ?? false,
    archived: current?.archived ?? false,
    createdAt,
    lastActivityAt,
    keyLoweredAt: current?.keyLoweredAt ?? null,
  };
}

const compared: Array<[string, (v: ViewRecord) => unknown]> = [
  ['userId', (v) => v.userId],
  ['sidekiqId', (v) => v.sidekiqId],
  ['title', (v) => v.title],
  ['sidekiq', (v) => (v.sidekiq ? { id: v.sidekiq.id, name: v.sidekiq.name, avatar: { type: v.sidekiq.avatar.type, value: v.sidekiq.avatar.value, color: v.sidekiq.avatar.color } } : null)],
  ['sidekiqDeleted', (v) => v.sidekiqDeleted],
  ['createdAt', (v) => v.createdAt.toISOString()],
  ['lastActivityAt', (v) => v.lastActivityAt.toISOString()],
];

export function fieldDiffs(have: ViewRecord, want: ViewRecord): FieldDiff[] {
  return compared
    .map(([field, get]) => ({ field, have: get(have), want: get(want) }))
    .filter((d) => JSON.stringify(d.have) !== JSON.stringify(d.want));
}

/** Compares the incrementally kept views with what the owners say; sorted by thread id. */
export function diffViews(current: ViewRecord[], facts: ThreadFact[], sidekiqs: Map<string, OwnerSidekiq>): Difference[] {
  const byId = new Map(current.map((v) => [v.id, v]));
  const known = new Set(facts.map((f) => f.threadId));
  const out: Difference[] = [];
  for (const fact of facts) {
    const have = byId.get(fact.threadId);
    const want = expectedView(fact, fact.sidekiqId ? sidekiqs.get(fact.sidekiqId) : undefined, have);
    if (!have) out.push({ kind: 'missing', threadId: fact.threadId, userId: fact.userId, expected: want });
    else {
      const fields = fieldDiffs(have, want);
      if (fields.length > 0) out.push({ kind: 'changed', threadId: fact.threadId, userId: fact.userId, fields, expected: want });
    }
  }
  for (const v of current) if (!known.has(v.id)) out.push({ kind: 'extra', threadId: v.id, userId: v.userId });
  return out.sort((a, b) => (a.threadId < b.threadId ? -1 : a.threadId > b.threadId ? 1 : 0));
}

import { AppError } from '@sidekiq/shared';

/**
 * Keyset cursor over the order (pinned desc, lastActivityAt desc, id desc).
 *
 * The cursor holds the sort key of the last item returned and the time the first page was
 * served (`startedAt`). The next page is "strictly after that key", so:
 * - an item whose sort key does not change while paging is returned exactly once (it is either
 *   before the key — already returned — or after it — still to come);
 * - an item that moves *up* (new activity, pinned) past the cursor is not returned again; the
 *   live `thread.upserted` frame tells the client about it;
 * - an item never comes back a second time: the only way a key goes *down* is unpinning
 *   (lastActivityAt only grows), and a thread unpinned after `startedAt` is left out of later
 *   pages of that paging (it moved, so it may be missed, never duplicated).
 */
export interface CursorKey {
  pinned: boolean;
  lastActivityAt: Date;
  id: string;
}
export interface Cursor extends CursorKey {
  startedAt: Date;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.pinned ? 1 : 0, c.lastActivityAt.toISOString(), c.id, c.startedAt.toISOString()])).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    const [pin, at, id, started] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    const lastActivityAt = new Date(String(at));
    const startedAt = new Date(String(started));
    if ((pin !== 0 && pin !== 1) || typeof id !== 'string' || !id || isNaN(lastActivityAt.getTime()) || isNaN(startedAt.getTime())) throw new Error('shape');
    return { pinned: pin === 1, lastActivityAt, id, startedAt };
  } catch {
    throw new AppError('VALIDATION_FAILED', 'Invalid query: cursor', { details: [{ field: 'cursor', message: 'malformed cursor' }] });
  }
}

/** Negative when `a` comes first in the list. */
export function compareListOrder(a: CursorKey, b: CursorKey): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  const d = b.lastActivityAt.getTime() - a.lastActivityAt.getTime();
  if (d !== 0) return d;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

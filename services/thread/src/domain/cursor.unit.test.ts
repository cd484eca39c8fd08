import { AppError } from '@sidekiq/shared';
import { compareListOrder, decodeCursor, encodeCursor } from './cursor';

describe('the list cursor', () => {
  it('round-trips the sort key and the time the paging started', () => {
    const c = { pinned: true, lastActivityAt: new Date('2026-02-03T04:05:06.789Z'), id: 'abc', startedAt: new Date('2026-02-03T05:00:00Z') };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
  });

  it('rejects a malformed cursor with VALIDATION_FAILED naming the cursor', () => {
    for (const bad of ['nope', Buffer.from('[2,"x","a","y"]').toString('base64url'), Buffer.from('{}').toString('base64url')]) {
      try {
        decodeCursor(bad);
        throw new Error('accepted');
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).details).toEqual([{ field: 'cursor', message: 'malformed cursor' }]);
      }
    }
  });

  it('orders pinned first, then newest activity, then id descending', () => {
    const at = (s: string) => new Date(s);
    const items = [
      { pinned: false, lastActivityAt: at('2026-01-02T00:00:00Z'), id: 'a' },
      { pinned: true, lastActivityAt: at('2026-01-01T00:00:00Z'), id: 'b' },
      { pinned: false, lastActivityAt: at('2026-01-02T00:00:00Z'), id: 'c' },
      { pinned: false, lastActivityAt: at('2026-01-03T00:00:00Z'), id: 'd' },
    ];
    expect([...items].sort(compareListOrder).map((i) => i.id)).toEqual(['b', 'd', 'c', 'a']);
  });
});

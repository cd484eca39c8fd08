import { deriveView, resolveSidekiq, sameView, type ThreadFacts } from './view';

const avatar = (value: string) => ({ type: 'initials' as const, value, color: '#112233' });
const base = (): ThreadFacts => ({
  created: { threadId: 't1', userId: 'u1', sidekiqId: 's1', title: 'from event', createdAt: new Date('2026-01-01T00:00:00Z') },
  tombstoned: false,
  earliest: null,
  latest: null,
  snapshots: [{ kind: 'state', sidekiqId: 's1', version: 1, name: 'One', avatar: avatar('O') }],
  settings: {},
});

describe('deriveView', () => {
  it('is null until the ThreadCreated fact exists, and null forever once tombstoned', () => {
    expect(deriveView({ ...base(), created: null })).toBeNull();
    expect(deriveView({ ...base(), tombstoned: true })).toBeNull();
  });

  it('takes the title from the earliest activity, over the title of the event', () => {
    const v = deriveView({ ...base(), earliest: { id: 'a', at: new Date('2026-01-01T00:01:00Z'), preview: 'hello there' } });
    expect(v?.title).toBe('hello there');
    expect(v?.titleSetByUser).toBe(false);
  });

  it('keeps a title the user set, whatever the activity says', () => {
    const v = deriveView({ ...base(), earliest: { id: 'a', at: new Date(), preview: 'hello' }, settings: { title: 'Mine' } });
    expect(v?.title).toBe('Mine');
    expect(v?.titleSetByUser).toBe(true);
  });

  it('never puts lastActivityAt before createdAt', () => {
    const v = deriveView({ ...base(), latest: { id: 'a', at: new Date('2025-01-01T00:00:00Z'), preview: '' } });
    expect(v?.lastActivityAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('shows the newest version of the Sidekiq and keeps its name after deletion', () => {
    const v = deriveView({
      ...base(),
      snapshots: [
        { kind: 'state', sidekiqId: 's1', version: 3, name: 'Three', avatar: avatar('T') },
        { kind: 'state', sidekiqId: 's1', version: 2, name: 'Two', avatar: avatar('W') },
        { kind: 'deleted', sidekiqId: 's1', version: 4 },
      ],
    });
    expect(v?.sidekiq?.name).toBe('Three');
    expect(v?.sidekiqDeleted).toBe(true);
  });

  it('has no Sidekiq for a plain thread', () => {
    const v = deriveView({ ...base(), created: { ...base().created!, sidekiqId: null }, snapshots: [] });
    expect(v?.sidekiq).toBeNull();
    expect(v?.sidekiqDeleted).toBe(false);
  });
});

describe('resolveSidekiq', () => {
  it('knows no name when only a deletion was seen', () => {
    expect(resolveSidekiq([{ kind: 'deleted', sidekiqId: 's', version: 2 }])).toEqual({ summary: null, deleted: true });
  });
});

describe('sameView', () => {
  it('compares field by field, not by identity', () => {
    expect(sameView(deriveView(base()), deriveView(base()))).toBe(true);
    expect(sameView(deriveView(base()), deriveView({ ...base(), settings: { pinned: true } }))).toBe(false);
    expect(sameView(null, null)).toBe(true);
  });
});

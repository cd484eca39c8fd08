import { diffViews, expectedView, type OwnerSidekiq } from './rebuild-diff';
import type { ViewRecord } from './view';

const avatar = { type: 'emoji' as const, value: '🤖', color: '#000000' };
const fact = (over: Partial<Parameters<typeof expectedView>[0]> = {}) => ({
  threadId: 't1',
  userId: 'u1',
  sidekiqId: 's1',
  createdAt: '2026-01-01T00:00:00.000Z',
  lastActivityAt: '2026-01-02T00:00:00.000Z',
  firstUserMessagePreview: 'hi',
  ...over,
});
const sk: OwnerSidekiq = { id: 's1', name: 'Helper', avatar, version: 3 };
const sidekiqs = new Map([['s1', sk]]);
const view = (over: Partial<ViewRecord> = {}): ViewRecord => ({ ...expectedView(fact(), sk, undefined), ...over });

describe('diffViews', () => {
  it('finds nothing when the views match the owners', () => {
    expect(diffViews([view()], [fact()], sidekiqs)).toEqual([]);
  });

  it('reports a thread the owners have and the views lack as missing', () => {
    expect(diffViews([], [fact()], sidekiqs)).toMatchObject([{ kind: 'missing', threadId: 't1', userId: 'u1' }]);
  });

  it('reports a view the owners do not know as extra', () => {
    expect(diffViews([view({ id: 'ghost' })], [], sidekiqs)).toEqual([{ kind: 'extra', threadId: 'ghost', userId: 'u1' }]);
  });

  it('reports field differences by name, with what is kept and what is wanted', () => {
    const [d] = diffViews([view({ sidekiq: { id: 's1', name: 'Old', avatar }, lastActivityAt: new Date('2026-01-01T12:00:00Z') })], [fact()], sidekiqs);
    expect(d).toMatchObject({ kind: 'changed', fields: [
      { field: 'sidekiq', have: { name: 'Old' }, want: { name: 'Helper' } },
      { field: 'lastActivityAt', have: '2026-01-01T12:00:00.000Z', want: '2026-01-02T00:00:00.000Z' },
    ] });
  });

  it('keeps pinned, archived and a user-set title: they are not differences', () => {
    expect(diffViews([view({ pinned: true, archived: true, title: 'Mine', titleSetByUser: true })], [fact()], sidekiqs)).toEqual([]);
  });

  it('wants a Sidekiq the owner no longer has marked deleted, keeping its last known name', () => {
    const [d] = diffViews([view()], [fact()], new Map());
    expect(d).toMatchObject({ kind: 'changed', fields: [{ field: 'sidekiqDeleted', have: false, want: true }] });
    expect(d!.kind === 'changed' && d!.expected.sidekiq?.name).toBe('Helper');
  });
});

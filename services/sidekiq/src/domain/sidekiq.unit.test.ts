import { completeAvatar, graphemeCount, initialsFromName } from './avatar';
import { compareForList, createSidekiqSchema } from './sidekiq';

describe('initials from a name', () => {
  it.each([
    ['Travel Buddy', 'TB'],
    ['écho', 'É'],
    ['  code   helper  bot ', 'CH'],
    ['42 answers', 'A'],
    ['🚀 🚀', null],
  ])('"%s" gives %s', (name, initials) => expect(initialsFromName(name)).toBe(initials));
});

describe('default avatar of a name without letters', () => {
  it('is the name’s first emoji, or 🤖', () => {
    expect(completeAvatar(undefined, '🚀 launch 2')).toEqual({ type: 'initials', value: 'L', color: '#6366F1' });
    expect(completeAvatar(undefined, '🚀 42')).toEqual({ type: 'emoji', value: '🚀', color: '#6366F1' });
    expect(completeAvatar(undefined, '42')).toEqual({ type: 'emoji', value: '🤖', color: '#6366F1' });
  });
  it('refuses a name of invisible characters only', () => {
    expect(createSidekiqSchema.safeParse({ name: '\u200b' }).success).toBe(false);
    expect(createSidekiqSchema.safeParse({ name: '\u0000' }).success).toBe(false);
    expect(createSidekiqSchema.safeParse({ name: '🚀' }).success).toBe(true);
  });
});

describe('avatars', () => {
  it('defaults to initials from the name in the default color', () => {
    expect(completeAvatar(undefined, 'Travel Buddy')).toEqual({ type: 'initials', value: 'TB', color: '#6366F1' });
  });
  it('counts a family emoji as one grapheme', () => expect(graphemeCount('👨‍👩‍👧')).toBe(1));
});

describe('list order', () => {
  const s = (id: string, createdAt: string, lastUsedAt: string | null) => ({ id, createdAt: new Date(createdAt), lastUsedAt: lastUsedAt ? new Date(lastUsedAt) : null });
  it('puts the most recently used first, then the never used by creation, newest first', () => {
    const items = [s('a', '2030-01-01', null), s('b', '2030-01-02', '2030-02-01'), s('c', '2030-01-03', null), s('d', '2030-01-01', '2030-03-01')];
    expect(items.sort(compareForList).map((x) => x.id)).toEqual(['d', 'b', 'c', 'a']);
  });
});

describe('the create schema', () => {
  it('trims the name and fills defaults', () => {
    expect(createSidekiqSchema.parse({ name: '  x ' })).toEqual({ name: 'x', description: '', instructions: '', conversationStarters: [], model: null, temperature: null });
  });
});

import { z } from 'zod';
import type { Avatar } from '@sidekiq/shared';

const DEFAULT_COLOR = '#6366F1';
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export const graphemeCount = (s: string): number => [...segmenter.segment(s)].length;

/** "Travel Buddy" → "TB", "écho" → "É"; null for a name without letters ("🚀", "42"). */
export function initialsFromName(name: string): string | null {
  const words = name.split(/\s+/).filter((w) => /\p{L}/u.test(w));
  const letters = words.slice(0, 2).map((w) => w.match(/\p{L}/u)![0]);
  return letters.length ? letters.join('').toUpperCase() : null;
}

const FALLBACK_EMOJI = '🤖';

/**
 * The avatar a name gives when the user chose none: its initials, or for a name without
 * letters its first emoji (or 🤖), so the default always passes our own validation.
 */
export function defaultAvatarFor(name: string): Pick<Avatar, 'type' | 'value'> {
  const initials = initialsFromName(name);
  if (initials) return { type: 'initials', value: initials };
  const emoji = [...segmenter.segment(name)].map((g) => g.segment).find((g) => /\p{Extended_Pictographic}/u.test(g));
  return { type: 'emoji', value: emoji ?? FALLBACK_EMOJI };
}

export const avatarInputSchema = z
  .object({
    type: z.enum(['initials', 'emoji']),
    value: z.string().trim().optional(),
    color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'color must be #RRGGBB').optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.value === undefined) {
      if (a.type === 'emoji') ctx.addIssue({ code: 'custom', path: ['value'], message: 'an emoji avatar needs a value' });
      return;
    }
    if (a.type === 'emoji' && (graphemeCount(a.value) !== 1 || !/\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(a.value))) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'emoji must be exactly one emoji' });
    }
    if (a.type === 'initials' && !/^\p{L}{1,2}$/u.test(a.value)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'initials must be 1–2 letters' });
    }
  });
export type AvatarInput = z.infer<typeof avatarInputSchema>;

/** Fills what the user left out: initials from the name, the default color. */
export function completeAvatar(input: AvatarInput | undefined, name: string, previous?: Avatar): Avatar {
  const color = input?.color ?? previous?.color ?? DEFAULT_COLOR;
  const type = input?.type ?? previous?.type ?? 'initials';
  if (input?.value !== undefined) return { type, value: type === 'initials' ? input.value.toUpperCase() : input.value, color };
  if (type === 'emoji' && previous?.type === 'emoji') return { type, value: previous.value, color };
  // Initials asked for (or nothing at all): from the name, or an emoji if it has no letters.
  return { ...defaultAvatarFor(name), color };
}

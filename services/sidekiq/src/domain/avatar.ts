import { z } from 'zod';
import type { Avatar } from '@sidekiq/shared';

const DEFAULT_COLOR = '#6366F1';
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export const graphemeCount = (s: string): number => [...segmenter.segment(s)].length;

/** "Travel Buddy" → "TB", "écho" → "É"; falls back to "?" for names without letters. */
export function initialsFromName(name: string): string {
  const words = name.split(/\s+/).filter((w) => /\p{L}/u.test(w));
  const letters = words.slice(0, 2).map((w) => w.match(/\p{L}/u)![0]);
  return letters.length ? letters.join('').toUpperCase() : '?';
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
  const type = input?.type ?? previous?.type ?? 'initials';
  const value = input?.value ?? (type === 'initials' ? initialsFromName(name) : previous!.value);
  const color = input?.color ?? previous?.color ?? DEFAULT_COLOR;
  return { type, value: type === 'initials' ? value.toUpperCase() : value, color };
}

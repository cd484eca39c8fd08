/**
 * The deterministic "model": what the dev server answers to a chat request, and the control
 * markers that let tests over the whole stack steer it.
 *
 * Markers (anywhere in the LAST user message; removed from the echoed text):
 *   [[tokens:N]]   answer length in tokens (default: the server's defaultTokens, 20)
 *   [[rate:T]]     tokens per second for this answer (0 = as fast as possible)
 *   [[first:MS]]   delay before the first token (or before the error of [[fail]])
 *   [[fail:S]]     answer HTTP status S (400-599) with an OpenAI-style error body
 *   [[cut:K]]      destroy the socket after K tokens were sent (stream cut)
 *   [[hang]]       send the response headers, then nothing until the client goes away
 *   [[length]]     finish_reason "length" instead of "stop"
 */

export interface Markers {
  tokens?: number;
  rate?: number;
  first?: number;
  fail?: number;
  cut?: number;
  hang: boolean;
  length: boolean;
}

const MARKER = /\[\[(tokens|rate|first|fail|cut):(\d+(?:\.\d+)?)\]\]|\[\[(hang|length)\]\]/g;
const MAX_TOKENS = 1_000_000;

/** Parses the markers of `text`; the first occurrence of each marker wins. */
export function parseMarkers(text: string): { markers: Markers; text: string } {
  const markers: Markers = { hang: false, length: false };
  for (const m of text.matchAll(MARKER)) {
    if (m[3] === 'hang') markers.hang = true;
    else if (m[3] === 'length') markers.length = true;
    else {
      const key = m[1] as 'tokens' | 'rate' | 'first' | 'fail' | 'cut';
      const value = Number(m[2]);
      if (markers[key] !== undefined) continue;
      if (key === 'rate') markers.rate = value;
      else if (key === 'fail') {
        if (Number.isInteger(value) && value >= 400 && value <= 599) markers.fail = value;
      } else markers[key] = Math.min(Math.floor(value), MAX_TOKENS);
    }
  }
  const stripped = text.replace(MARKER, ' ').replace(/\s+/g, ' ').trim();
  return { markers, text: stripped };
}

const FILLER = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore ' +
  'et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation ullamco laboris nisi ut ' +
  'aliquip ex ea commodo consequat'
).split(' ');

/**
 * The answer as `n` tokens. A token is a short word-piece ending in a space: "Echo: " then the
 * words of the user's message, then filler words, cut or padded to exactly `n` tokens.
 */
export function answerTokens(userText: string, n: number): string[] {
  const tokens: string[] = [];
  const words = ['Echo:', ...userText.split(/\s+/).filter((w) => w.length > 0)];
  for (let i = 0; i < words.length && tokens.length < n; i++) tokens.push(`${words[i]} `);
  for (let i = 0; tokens.length < n; i++) tokens.push(`${FILLER[i % FILLER.length]} `);
  return tokens;
}

type ContentPart = { type?: string; text?: string };
export type MessageContent = string | ContentPart[] | null | undefined;

/** The text of a message's content (a string, or the text parts of a content array). */
export function contentText(content: MessageContent): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join(' ');
}

/** A stable, rough token count of the prompt (words plus a per-message overhead). */
export function countPromptTokens(messages: { content?: MessageContent }[]): number {
  let total = 3;
  for (const m of messages) {
    const text = contentText(m.content).trim();
    total += 4 + (text === '' ? 0 : text.split(/\s+/).length);
  }
  return total;
}

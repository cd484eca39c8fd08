import { clientFrameSchemas, issuesToDetails, type ClientFrameType } from '@sidekiq/shared';
import type { z } from 'zod';

type Parsed = { [K in ClientFrameType]: { ok: true; frame: z.infer<(typeof clientFrameSchemas)[K]> } }[ClientFrameType];

export type FrameParse =
  | Parsed
  /** Not JSON, not an object, or an unknown `type`: answered with BAD_FRAME. */
  | { ok: false; kind: 'bad-frame'; message: string }
  /** A known type with invalid fields: answered with VALIDATION_FAILED naming them. */
  | { ok: false; kind: 'invalid'; type: ClientFrameType; requestId: string; details: { field: string; message: string }[] };

/** Decides what a client text frame is. Pure: no socket, no clock. */
export function parseClientFrame(text: string): FrameParse {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, kind: 'bad-frame', message: 'Frame is not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, kind: 'bad-frame', message: 'Frame must be a JSON object' };
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string' || !(type in clientFrameSchemas)) return { ok: false, kind: 'bad-frame', message: `Unknown frame type: ${JSON.stringify(type ?? null)}` };
  const t = type as ClientFrameType;
  const result = clientFrameSchemas[t].safeParse(raw);
  if (result.success) return { ok: true, frame: result.data } as Parsed;
  const requestId = (raw as { requestId?: unknown }).requestId;
  return { ok: false, kind: 'invalid', type: t, requestId: typeof requestId === 'string' ? requestId.slice(0, 100) : '', details: issuesToDetails(result.error) };
}

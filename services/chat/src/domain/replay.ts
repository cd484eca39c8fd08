import type { StreamFrame } from '@sidekiq/shared';
import type { MessageDoc, RequestDoc } from '../data-access/models';
import { deltaPieces } from './active-turn';

/**
 * The frames that answer a resend or a resume of a finished request, from what was stored:
 * chat.started, the answer from `offset` (in frames of at most MAX_DELTA_CHARS), then chat.done or chat.error.
 */
export function replayFrames(req: RequestDoc, answer: MessageDoc | null, offset: number): StreamFrame[] {
  const ids = { requestId: req.requestId, threadId: req.threadId, messageId: req.assistantMessageId };
  const frames: StreamFrame[] = [
    { type: 'chat.started', ...ids, userMessageId: req.userMessageId, isNewThread: req.isNewThread, sidekiq: req.sidekiq },
  ];
  const text = answer?.content ?? '';
  for (const p of deltaPieces(offset, text.slice(offset))) frames.push({ type: 'chat.delta', ...ids, offset: p.offset, delta: p.delta });
  if (req.status === 'failed' && req.error) {
    frames.push({ type: 'chat.error', requestId: req.requestId, code: req.error.code as never, message: req.error.message, retryable: req.error.retryable });
  } else {
    frames.push({ type: 'chat.done', ...ids, finishReason: req.finishReason ?? 'stop', usage: req.usage });
  }
  return frames;
}

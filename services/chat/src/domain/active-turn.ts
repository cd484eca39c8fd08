import type { ChatDeltaFrame, StreamFrame, SidekiqSummary } from '@sidekiq/shared';

/**
 * Characters per delta frame at most. Frames are JSON text of at most 64 KiB (SPEC); 8192
 * UTF-16 units stay under it even when every character needs a 6-byte JSON escape.
 */
export const MAX_DELTA_CHARS = 8192;

/** Splits `text` (which starts at `offset`) into contiguous pieces, never inside a surrogate pair. */
export function deltaPieces(offset: number, text: string, max = MAX_DELTA_CHARS): Array<{ offset: number; delta: string }> {
  const pieces: Array<{ offset: number; delta: string }> = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(i + max, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    pieces.push({ offset: offset + i, delta: text.slice(i, end) });
    i = end;
  }
  return pieces;
}

/** Where frames go: the gateway instances (by their reply queue) that have a socket on this turn. */
export interface FrameSink {
  send(replyTo: string, userId: string, frames: StreamFrame[]): void;
}

export interface TurnIdentity {
  key: string;
  requestId: string;
  userId: string;
  threadId: string;
  messageId: string;
  userMessageId: string;
  isNewThread: boolean;
  sidekiq: SidekiqSummary | null;
}

/**
 * One running answer. It owns the text streamed so far (for resume), the gateways listening,
 * and the coalescing of deltas: the first delta after a quiet period goes out at once (time to
 * first token), later ones are merged into at most one frame per `flushMs` (fewer messages
 * under load). Deltas are contiguous: each frame's offset is where the previous one ended.
 */
export class ActiveTurn {
  text = '';
  readonly controller = new AbortController();
  cancelled = false;
  /** Tests only: the instance "crashed"; the turn stores and sends nothing more. */
  killed = false;
  /** The last frame once sent: a gateway that attaches after the end still gets it. */
  private finalFrame: StreamFrame | undefined;
  private readonly subscribers = new Set<string>();
  private sentUpTo = 0;
  private lastFlushAt = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private detachTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: TurnIdentity,
    private readonly sink: FrameSink,
    private readonly flushMs: number,
    private readonly detachGraceMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  startedFrame(): StreamFrame {
    const { requestId, threadId, messageId, userMessageId, isNewThread, sidekiq } = this.id;
    return { type: 'chat.started', requestId, threadId, messageId, userMessageId, isNewThread, sidekiq };
  }

  /** A gateway starts listening: it gets chat.started and the text from `offset`, then live deltas. */
  attach(replyTo: string, offset: number): void {
    this.flush();
    clearTimeout(this.detachTimer);
    this.detachTimer = undefined;
    const frames: StreamFrame[] = [this.startedFrame(), ...this.deltas(offset, this.text.slice(offset))];
    if (this.finalFrame) frames.push(this.finalFrame);
    else this.subscribers.add(replyTo);
    this.sink.send(replyTo, this.id.userId, frames);
  }

  get finished(): boolean {
    return this.finalFrame !== undefined;
  }

  /** A gateway lost its last socket on this turn; with nobody left, the turn is cancelled after a grace. */
  detach(replyTo: string): void {
    this.subscribers.delete(replyTo);
    if (this.subscribers.size === 0 && this.detachGraceMs >= 0 && !this.detachTimer) {
      this.detachTimer = setTimeout(() => {
        if (this.subscribers.size === 0) this.cancel();
      }, this.detachGraceMs);
      this.detachTimer.unref?.();
    }
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.controller.abort();
  }

  /** Tests only (see chatTurns.kill): stops the turn as a crash would, silently. */
  kill(): void {
    this.killed = true;
    this.subscribers.clear();
    clearTimeout(this.flushTimer);
    clearTimeout(this.detachTimer);
    this.controller.abort();
  }

  append(delta: string): void {
    this.text += delta;
    if (this.flushTimer) return;
    const wait = this.lastFlushAt + this.flushMs - this.now();
    if (wait <= 0) this.flush();
    else {
      this.flushTimer = setTimeout(() => this.flush(), wait);
      this.flushTimer.unref?.();
    }
  }

  /** Sends what is pending as one delta frame. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.sentUpTo >= this.text.length) return;
    const frames = this.deltas(this.sentUpTo, this.text.slice(this.sentUpTo));
    this.sentUpTo = this.text.length;
    this.lastFlushAt = this.now();
    this.broadcast(frames);
  }

  /** The last frame (done or error): pending text first, so nothing arrives after it. */
  finish(frame: StreamFrame): void {
    this.flush();
    clearTimeout(this.detachTimer);
    this.finalFrame = frame;
    this.broadcast([frame]);
    this.subscribers.clear();
  }

  broadcast(frames: StreamFrame[]): void {
    for (const replyTo of this.subscribers) this.sink.send(replyTo, this.id.userId, frames);
  }

  private deltas(offset: number, text: string): ChatDeltaFrame[] {
    const { requestId, threadId, messageId } = this.id;
    return deltaPieces(offset, text).map((p) => ({ type: 'chat.delta', requestId, threadId, messageId, offset: p.offset, delta: p.delta }));
  }
}

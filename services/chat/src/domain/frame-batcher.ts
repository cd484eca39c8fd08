import type { StreamFrame } from '@sidekiq/shared';
import type { FrameSink } from './active-turn';

/**
 * A FrameSink that puts the delta-only envelopes produced in one turn of the event loop for the
 * same gateway queue into ONE broker message (a JSON array of envelopes), flushed on
 * setImmediate: with many streams, the SSE chunks of many turns are read in the same poll phase,
 * and each used to cost its own publish (amqplib framing, a broker enqueue/deliver, the
 * gateway's consume). Latency added: the rest of the current loop iteration, no timer.
 *
 * Order is kept per gateway queue: any other frame (chat.started, chat.done, chat.error) first
 * flushes what is pending for that queue, then goes out on its own, as before — on the same
 * channel, so the broker delivers them in that order. A batch of one envelope is sent as the
 * plain envelope, the format every gateway understands; arrays need a gateway that accepts them.
 */
export function batchingFrameSink(publish: (replyTo: string, content: Buffer) => void): FrameSink & { flush(): void } {
  const pending = new Map<string, string[]>();
  let scheduled = false;

  const flushQueue = (replyTo: string) => {
    const parts = pending.get(replyTo);
    if (!parts) return;
    pending.delete(replyTo);
    publish(replyTo, Buffer.from(parts.length === 1 ? parts[0]! : `[${parts.join(',')}]`));
  };
  const flush = () => {
    scheduled = false;
    for (const replyTo of [...pending.keys()]) flushQueue(replyTo);
  };

  return {
    send(replyTo: string, userId: string, frames: StreamFrame[]): void {
      const body = JSON.stringify({ userId, frames });
      if (frames.length > 0 && frames.every((f) => f.type === 'chat.delta')) {
        let parts = pending.get(replyTo);
        if (!parts) pending.set(replyTo, (parts = []));
        parts.push(body);
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
        return;
      }
      flushQueue(replyTo);
      publish(replyTo, Buffer.from(body));
    },
    flush,
  };
}

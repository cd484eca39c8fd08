import { ThreadActivity, ThreadCreated, context, contextFrom, deterministicUuid, publishEvent, type BusConnection, type Logger } from '@sidekiq/shared';
import type { MessageDoc, ThreadDoc } from './models';
import type { ThreadRepository } from './thread-repository';
import type { MessageRepository } from './message-repository';

/**
 * At-least-once ThreadCreated and ThreadActivity without transactions: the thread and the user
 * message are inserted with a `published: false` flag in the same write that creates them. The
 * request path publishes right away and flips the flag; if the process dies in between, the
 * sweep publishes every flagged document older than the grace period. Event ids are derived
 * from the thread/message id, so a republish is recognisably the same event.
 */
export interface OutboxFaults {
  /** Tests only: runs on the fast path between the database write and the publish; a throw stands for a crash there. */
  beforeFastPublish?: () => Promise<void>;
}

export function outboxRelay(threads: ThreadRepository, messages: MessageRepository, bus: BusConnection, logger: Logger, graceMs: number, faults: OutboxFaults = {}) {
  async function publishThreadCreated(t: ThreadDoc): Promise<void> {
    const event = ThreadCreated.create(
      { threadId: t._id, userId: t.userId, sidekiq: t.sidekiqSnapshot, title: null, createdAt: t.createdAt.toISOString() },
      { id: deterministicUuid(`thread.created:${t._id}`), occurredAt: t.createdAt },
    );
    await publishEvent(bus, event);
    await threads.markCreatedPublished(t._id);
  }

  async function publishActivity(m: MessageDoc): Promise<void> {
    const event = ThreadActivity.create(
      { threadId: m.threadId, userId: m.userId, at: m.createdAt.toISOString(), userMessagePreview: m.content.slice(0, 200) },
      { id: deterministicUuid(`thread.activity:${m._id}`), occurredAt: m.createdAt },
    );
    await publishEvent(bus, event);
    await messages.markActivityPublished(m._id);
  }

  const warn = (what: string) => (err: unknown) => logger.warn({ err: String(err) }, `outbox: ${what} not published yet; the sweep will retry`);

  return {
    /** The fast path, right after the writes: failures are left to the sweep. */
    async afterWrite(thread: ThreadDoc | null, userMessage: MessageDoc): Promise<void> {
      try {
        await faults.beforeFastPublish?.();
      } catch (err) {
        return warn('anything (injected crash)')(err);
      }
      if (thread) await publishThreadCreated(thread).catch(warn('ThreadCreated'));
      await publishActivity(userMessage).catch(warn('ThreadActivity'));
    },
    async sweep(): Promise<number> {
      const olderThan = new Date(Date.now() - graceMs);
      const [ts, ms] = await Promise.all([threads.unpublished(olderThan, 100), messages.unpublishedActivity(olderThan, 100)]);
      // Published in the creating turn's trace context, so a late publish still joins its trace.
      for (const t of ts) await context.with(contextFrom({ traceparent: t.traceparent }), () => publishThreadCreated(t));
      for (const m of ms) await context.with(contextFrom({ traceparent: m.traceparent }), () => publishActivity(m));
      return ts.length + ms.length;
    },
  };
}
export type OutboxRelay = ReturnType<typeof outboxRelay>;

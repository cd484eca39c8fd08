import { ThreadActivity, ThreadCreated, context, contextFrom, deterministicUuid, isDuplicateKey, publishEvent, traceHeaders, type BusConnection, type Logger } from '@sidekiq/shared';
import type { MessageDoc, Models, OutboxDoc, ThreadDoc } from './models';
import type { ThreadRepository } from './thread-repository';
import type { MessageRepository } from './message-repository';

/**
 * At-least-once ThreadCreated and ThreadActivity without transactions. Before a turn writes its
 * thread and user message, it writes outbox entries naming them; after the writes, the fast path
 * publishes and removes the entries. If the process dies in between, the sweep finds entries
 * older than the grace period: it publishes those whose document exists and drops those whose
 * document was never written (the turn died first). The outbox holds only entries in flight, so
 * the sweep stays cheap however many threads exist. Event ids are derived from the document, so
 * a republish is recognisably the same event.
 */
export interface OutboxFaults {
  /** Tests only: runs on the fast path between the database write and the publish; a throw stands for a crash there. */
  beforeFastPublish?: () => Promise<void>;
  /** Tests only: runs before a turn's first write; a throw stands for the database failing it. */
  beforeIntend?: () => Promise<void>;
}

/** An entry whose document has not appeared after this long belongs to a turn that died. */
const ABANDON_AFTER_MS = 60_000;

export function outboxRelay({ Outbox }: Models, threads: ThreadRepository, messages: MessageRepository, bus: BusConnection, logger: Logger, graceMs: number, faults: OutboxFaults = {}) {
  const threadCreated = (t: ThreadDoc) =>
    ThreadCreated.create(
      { threadId: t._id, userId: t.userId, sidekiq: t.sidekiqSnapshot, title: null, createdAt: t.createdAt.toISOString() },
      { id: deterministicUuid(`thread.created:${t._id}`), occurredAt: t.createdAt },
    );
  const threadActivity = (m: MessageDoc) =>
    ThreadActivity.create(
      { threadId: m.threadId, userId: m.userId, at: m.createdAt.toISOString(), userMessagePreview: m.content.slice(0, 200) },
      { id: deterministicUuid(`thread.activity:${m._id}`), occurredAt: m.createdAt },
    );

  async function publishAndForget(entry: OutboxDoc, event: ReturnType<typeof threadCreated> | ReturnType<typeof threadActivity>): Promise<void> {
    await publishEvent(bus, event);
    await Outbox.deleteOne({ _id: entry._id });
  }

  const warn = (what: string) => (err: unknown) => logger.warn({ err: String(err) }, `outbox: ${what} not published yet; the sweep will retry`);

  return {
    /** Writes the entries; call before inserting the thread and the user message. */
    async intend(thread: ThreadDoc | null, userMessage: MessageDoc): Promise<OutboxDoc[]> {
      await faults.beforeIntend?.();
      const traceparent = traceHeaders().traceparent;
      const now = new Date();
      const entries: OutboxDoc[] = [
        ...(thread ? [{ _id: deterministicUuid(`thread.created:${thread._id}`), kind: 'thread.created' as const, ref: thread._id, traceparent, createdAt: now }] : []),
        { _id: deterministicUuid(`thread.activity:${userMessage._id}`), kind: 'thread.activity', ref: userMessage._id, traceparent, createdAt: now },
      ];
      await Outbox.insertMany(entries, { ordered: false }).catch((err) => {
        // A retry of the same turn writes the same entries: already there is fine.
        if (!isDuplicateKey(err) && !(err as { writeErrors?: unknown[] }).writeErrors?.every(isDuplicateKey)) throw err;
      });
      return entries;
    },

    /** The fast path, right after the writes: failures are left to the sweep. */
    async afterWrite(entries: OutboxDoc[], thread: ThreadDoc | null, userMessage: MessageDoc): Promise<void> {
      try {
        await faults.beforeFastPublish?.();
      } catch (err) {
        return warn('anything (injected crash)')(err);
      }
      for (const entry of entries) {
        const event = entry.kind === 'thread.created' && thread ? threadCreated(thread) : threadActivity(userMessage);
        await publishAndForget(entry, event).catch(warn(entry.kind));
      }
    },

    async sweep(): Promise<number> {
      const now = Date.now();
      const due = await Outbox.find({ createdAt: { $lte: new Date(now - graceMs) } }).sort({ createdAt: 1 }).limit(100).lean<OutboxDoc[]>();
      let published = 0;
      for (const entry of due) {
        const doc = entry.kind === 'thread.created' ? await threads.findById(entry.ref) : await messages.findById(entry.ref);
        if (!doc) {
          if (now - entry.createdAt.getTime() > ABANDON_AFTER_MS) await Outbox.deleteOne({ _id: entry._id });
          continue;
        }
        const event = entry.kind === 'thread.created' ? threadCreated(doc as ThreadDoc) : threadActivity(doc as MessageDoc);
        // Published in the creating turn's trace context, so a late publish still joins its trace.
        await context.with(contextFrom({ traceparent: entry.traceparent }), () => publishAndForget(entry, event));
        published++;
      }
      return published;
    },
  };
}
export type OutboxRelay = ReturnType<typeof outboxRelay>;

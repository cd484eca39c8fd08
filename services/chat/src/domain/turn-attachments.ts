import type { ChatControl, Logger } from '@sidekiq/shared';
import type { RequestDoc } from '../data-access/models';
import type { RequestRepository } from '../data-access/request-repository';
import type { MessageRepository } from '../data-access/message-repository';
import type { ActiveTurn, FrameSink } from './active-turn';
import type { TurnRegistry } from './turn-registry';
import { replayFrames } from './replay';

/** Turns whose owner died (see data-access/orphan-sweeper.ts). */
export interface Orphans {
  /** Whether the instance that owns a running turn still beats. */
  ownerAlive(owner: string): Promise<boolean>;
  /** Closes an orphaned turn (idempotent) and sends its stored end to its listeners and `replyTo`. */
  close(record: RequestDoc, replyTo: string[]): Promise<void>;
  /** How long an owner may stay silent before it counts as dead. */
  staleMs: number;
}

interface Deps {
  requests: RequestRepository;
  messages: MessageRepository;
  registry: TurnRegistry;
  sink: FrameSink;
  orphans: Orphans;
  broadcast: (control: ChatControl) => Promise<void>;
  logger: Logger;
}

/**
 * Who listens to a turn, wherever it runs: gateways attach to a turn of this instance, resumes
 * go to the instance that runs it, finished turns are replayed from what was stored, and turns
 * whose owner died are closed and answered.
 */
export function turnAttachments({ requests, messages, registry, sink, orphans, broadcast, logger }: Deps) {
  /** Per local turn: the gateway queues recorded with it (for the orphan sweep) and its own writes. */
  const listeners = new WeakMap<ActiveTurn, { known: Set<string>; writes: Promise<void> }>();
  const rechecks = new Set<NodeJS.Timeout>();

  /** Attaches a gateway to a turn of this instance, and records its queue if it is a new one. */
  function attachLocal(turn: ActiveTurn, replyTo: string, offset: number): void {
    turn.attach(replyTo, offset);
    const entry = listeners.get(turn);
    if (!entry || turn.finished || entry.known.has(replyTo)) return;
    entry.known.add(replyTo);
    // After the turn's own writes, which create the entry; a turn that ended meanwhile has none.
    void entry.writes
      .then(() => requests.addReplyTo(turn.id.key, replyTo))
      .catch((err) => logger.warn({ err: String(err) }, 'listener of a running turn not recorded'));
  }

  /**
   * A resume went to the owner, which looked alive. Should it have died just before, nobody
   * answers: once its heartbeat is stale, close the turn and answer this gateway too (the
   * sweep would close it, but does not know this gateway's queue).
   */
  function recheckLater(existing: RequestDoc, replyTo: string): void {
    const timer = setTimeout(() => {
      rechecks.delete(timer);
      void (async () => {
        const now = await requests.find(existing.userId, existing.requestId);
        if (now?.status === 'running' && !registry.get(now._id) && !(await orphans.ownerAlive(now.owner))) await orphans.close(now, [replyTo]);
      })().catch((err) => logger.warn({ err: String(err) }, 'orphan recheck failed'));
    }, orphans.staleMs + 500);
    timer.unref();
    rechecks.add(timer);
  }

  return {
    attachLocal,

    /** A new local turn: its first listener, and the writes that record it. */
    track(turn: ActiveTurn, replyTo: string, writes: Promise<void>): void {
      listeners.set(turn, { known: new Set([replyTo]), writes: writes.catch(() => undefined) });
    },

    /** Attach to the running turn wherever it runs, or replay what was stored. */
    async attachOrReplay(existing: RequestDoc, replyTo: string, offset: number): Promise<void> {
      const local = registry.get(existing._id);
      if (local) return attachLocal(local, replyTo, offset);
      if (existing.status === 'running') {
        // Its owner died mid-answer: nobody would answer a resume. Close it now and replay that.
        if (!(await orphans.ownerAlive(existing.owner))) return orphans.close(existing, [replyTo]);
        await broadcast({ kind: 'resume', requestId: existing.requestId, userId: existing.userId, offset, replyTo });
        return recheckLater(existing, replyTo);
      }
      const answer = await messages.findById(existing.assistantMessageId);
      sink.send(replyTo, existing.userId, replayFrames(existing, answer, offset));
    },

    stop(): void {
      rechecks.forEach(clearTimeout);
    },
  };
}

import { randomUUID } from 'node:crypto';
import { AppError, toChatErrorFrame, toAppError, type ChatControl, type ChatResumeRequest, type ChatSendRequest, type Logger, type ResolvedSidekiq } from '@sidekiq/shared';
import type { MessageDoc, RequestDoc, ThreadDoc } from '../data-access/models';
import type { ThreadRepository } from '../data-access/thread-repository';
import type { MessageRepository } from '../data-access/message-repository';
import { requestKey, type RequestRepository } from '../data-access/request-repository';
import type { SidekiqClient } from '../data-access/sidekiq-client';
import type { OutboxRelay } from '../data-access/outbox-relay';
import { ActiveTurn, type FrameSink } from './active-turn';
import type { TurnRegistry } from './turn-registry';
import { turnAttachments, type Orphans } from './turn-attachments';
import { runModel, type ModelSettings } from './run-model';
import type { ModelStream } from '../llm/model-stream';

/** Messages of history read per turn (the character budget trims further). */
const HISTORY_MESSAGES = 200;
/** How long a resume waits for a send of the same requestId that may still be queued. */
const RESUME_WAIT_MS = 2000;

/** How long a finished turn stays in memory for resumes that raced its end. */
const RESUME_LINGER_MS = 10_000;

export interface ChatDeps {
  threads: ThreadRepository;
  messages: MessageRepository;
  requests: RequestRepository;
  sidekiqs: SidekiqClient;
  outbox: OutboxRelay;
  registry: TurnRegistry;
  sink: FrameSink;
  model: ModelStream;
  /** Asks every chat instance (this one included) to act on a running turn. */
  broadcast: (control: ChatControl) => Promise<void>;
  orphans: Orphans;
  settings: ModelSettings & { flushMs: number; detachGraceMs: number };
  instanceId: string;
  logger: Logger;
}

/**
 * The chat turn. `send` resolves once the request is claimed and its turn started, so the bus
 * message can be acked; the turn's writes and the answer then proceed in the background,
 * tracked in `running`.
 */
export function chatTurns(deps: ChatDeps) {
  const { threads, messages, requests, sidekiqs, outbox, registry, sink, logger } = deps;
  const running = new Set<Promise<void>>();
  const attachments = turnAttachments({ requests, messages, registry, sink, orphans: deps.orphans, broadcast: deps.broadcast, logger });
  const { attachLocal, attachOrReplay } = attachments;
  const fail = (replyTo: string, userId: string, requestId: string, err: AppError) =>
    sink.send(replyTo, userId, [toChatErrorFrame(requestId, err)]);

  /** Which Sidekiq a turn uses: the request's for a new thread, the thread's own otherwise. */
  async function resolveContext(req: ChatSendRequest): Promise<{ thread: ThreadDoc | null; sidekiq: ResolvedSidekiq | null }> {
    if (req.threadId) {
      const thread = await threads.findOwned(req.userId, req.threadId);
      if (!thread) throw new AppError('THREAD_NOT_FOUND', 'Thread not found');
      // A deleted Sidekiq resolves to null: the chat goes on without instructions.
      const sidekiq = thread.sidekiqId ? await sidekiqs.resolve(req.userId, thread.sidekiqId) : null;
      return { thread, sidekiq };
    }
    if (!req.sidekiqId) return { thread: null, sidekiq: null };
    const sidekiq = await sidekiqs.resolve(req.userId, req.sidekiqId);
    if (!sidekiq) throw new AppError('SIDEKIQ_NOT_FOUND', 'Sidekiq not found');
    return { thread: null, sidekiq };
  }

  async function send(req: ChatSendRequest): Promise<void> {
    const key = requestKey(req.userId, req.requestId);
    // The idempotency lookup and the context (thread, Sidekiq over RPC) are independent reads:
    // one round trip instead of two on the time-to-first-token path. A resend ignores the context.
    // The thread's history is read alongside: insert-only messages are the one history source that
    // stays exact when turns of one thread run at once (a list kept on the thread would need
    // atomic updates, which FerretDB lacks). For a foreign thread it is empty and unused.
    const [existing, resolved, history] = await Promise.all([
      requests.find(req.userId, req.requestId),
      resolveContext(req).then(
        (context) => ({ context, err: undefined }),
        (err: unknown) => ({ context: undefined, err }),
      ),
      req.threadId ? messages.newest(req.threadId, req.userId, HISTORY_MESSAGES).catch(() => [] as MessageDoc[]) : Promise.resolve([] as MessageDoc[]),
    ]);
    if (existing) return attachOrReplay(existing, req.replyTo, 0);

    let context: Awaited<ReturnType<typeof resolveContext>>;
    try {
      if (!resolved.context) throw resolved.err;
      context = resolved.context;
    } catch (err) {
      const appError = toAppError(err);
      if (appError.code === 'INTERNAL') logger.error({ err }, 'resolving the turn failed');
      return fail(req.replyTo, req.userId, req.requestId, appError);
    }

    const now = Date.now();
    const { sidekiq } = context;
    const summary = sidekiq ? { id: sidekiq.id, name: sidekiq.name, avatar: sidekiq.avatar } : null;
    const record: RequestDoc = {
      _id: key,
      userId: req.userId,
      requestId: req.requestId,
      threadId: context.thread?._id ?? randomUUID(),
      userMessageId: randomUUID(),
      assistantMessageId: randomUUID(),
      isNewThread: !context.thread,
      sidekiq: summary,
      status: 'running',
      finishReason: null,
      usage: null,
      error: null,
      owner: deps.instanceId,
      createdAt: new Date(now),
    };
    if (!(await requests.claim(record))) {
      // The same requestId raced us (a resend on another connection): join it instead.
      const winner = await requests.find(req.userId, req.requestId);
      if (winner) return attachOrReplay(winner, req.replyTo, 0);
      throw new Error('request claim lost but no winner found');
    }

    const newThread: ThreadDoc | null = context.thread
      ? null
      : {
          _id: record.threadId,
          userId: req.userId,
          sidekiqId: sidekiq?.id ?? null,
          sidekiqSnapshot: sidekiq ? { id: sidekiq.id, name: sidekiq.name, avatar: sidekiq.avatar, version: sidekiq.version } : null,
          createdAt: new Date(now),
        };
    const userMessage: MessageDoc = {
      _id: record.userMessageId, threadId: record.threadId, userId: req.userId, requestId: req.requestId,
      role: 'user', content: req.content, status: 'complete', createdAt: new Date(now), updatedAt: new Date(now),
    };
    // The answer sorts right after its question: one millisecond later.
    const answer: MessageDoc = {
      _id: record.assistantMessageId, threadId: record.threadId, userId: req.userId, requestId: req.requestId,
      role: 'assistant', content: '', status: 'streaming', createdAt: new Date(now + 1), updatedAt: new Date(now + 1),
    };
    // The turn's writes run alongside the model's time to first token: the outbox entries first
    // (so a crash after the inserts still publishes), then the independent inserts together.
    const writes = (async () => {
      const entries = await outbox.intend(newThread, userMessage);
      await Promise.all([
        requests.markActive(key, deps.instanceId, req.replyTo),
        newThread ? threads.insert(newThread) : undefined,
        messages.insert(userMessage),
        messages.insert(answer),
      ]);
      void outbox.afterWrite(entries, newThread, userMessage);
    })();

    const turn = new ActiveTurn(
      { key, requestId: req.requestId, userId: req.userId, threadId: record.threadId, messageId: answer._id, userMessageId: userMessage._id, isNewThread: record.isNewThread, sidekiq: summary },
      sink,
      deps.settings.flushMs,
      deps.settings.detachGraceMs,
    );
    attachments.track(turn, req.replyTo, writes);
    registry.add(turn);
    // chat.started only once the thread and messages exist, so a client that reads the thread
    // or continues it right away finds it; the model is already running meanwhile, and what it
    // streamed so far goes out with chat.started.
    // If the writes fail the sender is attached all the same: runModel ends the turn with a
    // retryable INTERNAL, and the sender must hear it.
    void writes.finally(() => turn.attach(req.replyTo, 0)).catch(() => undefined);

    const prior = [...history].reverse(); // read before this turn's messages existed: all earlier
    const done = runModel(turn, { deps, sidekiq, history: prior.map((m) => ({ role: m.role, content: m.content })), userContent: req.content, writes })
      .catch((err) => logger.error({ err }, 'turn failed unexpectedly'))
      .finally(() => {
        registry.remove(key, RESUME_LINGER_MS);
        running.delete(done);
      });
    running.add(done);
  }

  async function resume(req: ChatResumeRequest): Promise<void> {
    let existing = await requests.find(req.userId, req.requestId);
    // The send may still be queued behind this resume (a reconnect right after sending): give it
    // a moment before calling the requestId unknown, which would end the sender's stream too.
    for (let waited = 0; !existing && waited < RESUME_WAIT_MS && Date.now() < req.deadline; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
      existing = await requests.find(req.userId, req.requestId);
    }
    if (!existing) {
      // Nothing under that requestId for this user: same answer as a foreign one.
      return fail(req.replyTo, req.userId, req.requestId, new AppError('VALIDATION_FAILED', 'Unknown requestId', { details: [{ field: 'requestId', message: 'no such request' }] }));
    }
    return attachOrReplay(existing, req.replyTo, req.offset);
  }

  function control(c: ChatControl): void {
    const key = requestKey(c.userId, c.requestId);
    switch (c.kind) {
      case 'cancel':
        registry.cancel(key);
        return;
      case 'resume': {
        const turn = registry.get(key);
        if (turn) attachLocal(turn, c.replyTo, c.offset);
        return;
      }
      case 'detach':
        registry.get(key)?.detach(c.replyTo);
        return;
      default: {
        const never: never = c;
        throw new Error(`unknown control ${JSON.stringify(never)}`);
      }
    }
  }

  return {
    send,
    resume,
    control,
    /**
     * Graceful shutdown: running turns get up to `graceMs` to finish on their own; the rest are
     * cancelled, and drain resolves once their partial answers are stored.
     */
    async drain(graceMs: number): Promise<void> {
      if (running.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
        await Promise.race([Promise.allSettled([...running]), grace]);
        clearTimeout(timer);
      }
      for (const turn of registry.all()) turn.cancel();
      await Promise.allSettled([...running]);
      attachments.stop();
    },
    /**
     * Tests only (a crash without a process to kill): every running turn stops where it is,
     * storing nothing and sending nothing more, as if the process had died.
     */
    kill(): void {
      attachments.stop();
      for (const turn of registry.all()) turn.kill();
    },
    get running(): number {
      return running.size;
    },
  };
}
export type ChatTurns = ReturnType<typeof chatTurns>;

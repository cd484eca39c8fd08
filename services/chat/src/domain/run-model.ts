import { context, trace, type ResolvedSidekiq } from '@sidekiq/shared';
import type { ActiveTurn } from './active-turn';
import type { ChatDeps } from './chat-turns';
import { buildPrompt } from './prompt';
import { classifyLlmFailure, type LlmFailure } from './llm-failure';
import { startModelCallSpan } from './turn-telemetry';

export interface ModelSettings {
  defaultModel: string;
  historyBudgetChars: number;
  idleTimeoutMs: number;
  /** How often the partial answer is saved while streaming (never per token). */
  checkpointMs: number;
}

interface TurnInput {
  deps: ChatDeps;
  sidekiq: ResolvedSidekiq | null;
  /** The thread's earlier messages, oldest first. */
  history: Array<{ role: 'user' | 'assistant'; content: string }>;
  userContent: string;
  /** The turn's own writes (outbox, thread, messages), running alongside the model's first token. */
  writes: Promise<void>;
}

type Outcome =
  | { kind: 'complete'; finishReason: 'stop' | 'length'; usage: { promptTokens: number; completionTokens: number } | null }
  | { kind: 'cancelled' }
  | { kind: 'failed'; failure: LlmFailure | { code: 'INTERNAL'; message: string; retryable: true } };

/**
 * Streams the model's answer into the turn and stores the outcome once: complete, partial
 * (cancelled, or cut after some text) or error. The model is called before the turn's own
 * writes finish, so they cost no time to first token; nothing is stored, and no final frame
 * sent, before they have. The final frame goes out only after the outcome is stored, so a
 * resend that follows it replays exactly what the user saw.
 */
export async function runModel(turn: ActiveTurn, { deps, sidekiq, history, userContent, writes }: TurnInput): Promise<void> {
  const { messages, requests, settings, logger } = deps;
  const { requestId, userId, threadId, messageId } = turn.id;
  const prompt = buildPrompt({ instructions: sidekiq?.instructions || null, history, userContent, historyBudgetChars: settings.historyBudgetChars });

  let written = false;
  let writeFailed = false;
  const writesDone = writes.then(
    () => void (written = true),
    (err: unknown) => {
      logger.error({ err, requestId }, 'turn could not store its messages; stopping it');
      writeFailed = true;
      turn.controller.abort();
    },
  );

  const model = sidekiq?.model ?? settings.defaultModel;
  const temperature = sidekiq?.temperature ?? null;
  const call = startModelCallSpan(model, temperature);
  let idleTimedOut = false;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    // Per token: re-arming the same timer is far cheaper than clearTimeout + setTimeout.
    if (idle) {
      idle.refresh();
      return;
    }
    idle = setTimeout(() => {
      idleTimedOut = true;
      turn.controller.abort();
    }, settings.idleTimeoutMs);
  };
  let saved = 0;
  const checkpoint = setInterval(() => {
    if (!written || turn.killed || turn.text.length === saved) return;
    saved = turn.text.length;
    void messages.setContent(messageId, turn.text, 'streaming').catch((err) => logger.warn({ err: String(err) }, 'checkpoint failed'));
  }, settings.checkpointMs);

  let outcome: Outcome;
  try {
    armIdle();
    let finishReason: 'stop' | 'length' = 'stop';
    let usage: { promptTokens: number; completionTokens: number } | null = null;
    // Inside the GenAI span's context, so the SDK's HTTP call (and its traceparent) is its child.
    await context.with(trace.setSpan(context.active(), call.span), async () => {
      for await (const ev of deps.model({ model, temperature, messages: prompt, signal: turn.controller.signal })) {
        armIdle();
        if (ev.type === 'delta') {
          call.token();
          turn.append(ev.text);
        } else ({ finishReason, usage } = ev);
      }
    });
    outcome = { kind: 'complete', finishReason, usage };
  } catch (err) {
    if (turn.cancelled) outcome = { kind: 'cancelled' };
    else if (writeFailed) outcome = { kind: 'failed', failure: { code: 'INTERNAL', message: 'The turn could not be stored; try again', retryable: true } };
    else {
      outcome = { kind: 'failed', failure: classifyLlmFailure(err, idleTimedOut) };
      logger.warn({ err: String(err), requestId, code: outcome.failure.code }, 'model call failed');
    }
  } finally {
    clearTimeout(idle);
    clearInterval(checkpoint);
  }
  // Tests only: a simulated crash stores nothing (the orphan sweep closes the turn).
  if (turn.killed) return;
  turn.flush();
  await writesDone;
  if (writeFailed && outcome.kind !== 'failed') outcome = { kind: 'failed', failure: { code: 'INTERNAL', message: 'The turn could not be stored; try again', retryable: true } };

  let storeFailed = false;
  try {
    await store(outcome);
  } catch (err) {
    // The database failed us at the end: say so rather than leave the client waiting.
    logger.error({ err, requestId }, 'turn outcome not stored');
    storeFailed = true;
  } finally {
    if (outcome.kind === 'complete') call.end('complete', { finishReason: outcome.finishReason, usage: outcome.usage });
    else if (outcome.kind === 'cancelled') call.end('cancelled', { finishReason: 'cancelled' });
    else call.end('error', { error: outcome.failure });
  }
  turn.finish(
    storeFailed
      ? { type: 'chat.error', requestId, code: 'INTERNAL', message: 'The answer could not be stored; try again', retryable: true }
      : outcome.kind === 'complete'
      ? { type: 'chat.done', requestId, threadId, messageId, finishReason: outcome.finishReason, usage: outcome.usage }
      : outcome.kind === 'cancelled'
        ? { type: 'chat.done', requestId, threadId, messageId, finishReason: 'cancelled', usage: null }
        : { type: 'chat.error', requestId, code: outcome.failure.code, message: outcome.failure.message, retryable: outcome.failure.retryable },
  );

  async function store(o: Outcome): Promise<void> {
    const text = turn.text;
    const status = o.kind === 'complete' ? 'complete' : o.kind === 'cancelled' || text ? 'partial' : 'error';
    if (!writeFailed) {
      await messages.setContent(messageId, text, status);
    }
    if (o.kind === 'complete') await requests.finish(userId, requestId, { status: 'done', finishReason: o.finishReason, usage: o.usage, error: null });
    else if (o.kind === 'cancelled') await requests.finish(userId, requestId, { status: 'done', finishReason: 'cancelled', usage: null, error: null });
    else await requests.finish(userId, requestId, { status: 'failed', finishReason: null, usage: null, error: o.failure });
  }
}

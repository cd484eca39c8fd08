import type { ResolvedSidekiq } from '@sidekiq/shared';
import type { ActiveTurn } from './active-turn';
import type { ChatDeps } from './chat-turns';
import { buildPrompt } from './prompt';
import { classifyLlmFailure } from './llm-failure';
import { startModelCallSpan } from './turn-telemetry';
import { context, trace } from '@sidekiq/shared';

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
  history: Array<{ role: 'user' | 'assistant'; content: string }>;
  userContent: string;
}

/**
 * Streams the model's answer into the turn and stores the outcome once: complete, partial
 * (cancelled, or cut after some text) or error. The final frame goes out only after the
 * outcome is stored, so a resend that follows it replays exactly what the user saw.
 */
export async function runModel(turn: ActiveTurn, { deps, sidekiq, history, userContent }: TurnInput): Promise<void> {
  const { messages, requests, settings, logger } = deps;
  const { requestId, userId, threadId, messageId } = turn.id;
  const prompt = buildPrompt({ instructions: sidekiq?.instructions || null, history, userContent, historyBudgetChars: settings.historyBudgetChars });

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
    if (turn.text.length === saved) return;
    saved = turn.text.length;
    void messages.setContent(messageId, turn.text, 'streaming').catch((err) => logger.warn({ err: String(err) }, 'checkpoint failed'));
  }, settings.checkpointMs);

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
    turn.flush();
    await messages.setContent(messageId, turn.text, 'complete');
    await requests.finish(userId, requestId, { status: 'done', finishReason, usage, error: null });
    call.end('complete', { finishReason, usage });
    turn.finish({ type: 'chat.done', requestId, threadId, messageId, finishReason, usage });
  } catch (err) {
    turn.flush();
    if (turn.cancelled) {
      await messages.setContent(messageId, turn.text, 'partial');
      await requests.finish(userId, requestId, { status: 'done', finishReason: 'cancelled', usage: null, error: null });
      call.end('cancelled', { finishReason: 'cancelled' });
      turn.finish({ type: 'chat.done', requestId, threadId, messageId, finishReason: 'cancelled', usage: null });
      return;
    }
    const failure = classifyLlmFailure(err, idleTimedOut);
    logger.warn({ err: String(err), requestId, code: failure.code }, 'model call failed');
    call.end('error', { error: failure });
    await messages.setContent(messageId, turn.text, turn.text ? 'partial' : 'error');
    await requests.finish(userId, requestId, { status: 'failed', finishReason: null, usage: null, error: failure });
    turn.finish({ type: 'chat.error', requestId, code: failure.code, message: failure.message, retryable: failure.retryable });
  } finally {
    call.end('error', { error: { code: 'INTERNAL', message: 'turn ended unexpectedly' } }); // no-op if already ended
    clearTimeout(idle);
    clearInterval(checkpoint);
  }
}

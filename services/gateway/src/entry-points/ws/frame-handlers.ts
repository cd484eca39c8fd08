import { AppError, toChatErrorFrame, validationError, SpanKind, inSpan, toAppError, topology, type BusConnection, type ChatControl, type ChatRequest, type Logger } from '@sidekiq/shared';
import { parseClientFrame } from '../../domain/client-frame';
import type { RateLimiter } from '../../domain/rate-limiter';
import type { ClientSocket, Sessions } from '../../domain/sessions';

export interface FrameHandlerDeps {
  bus: BusConnection;
  sessions: Sessions;
  limiter: RateLimiter;
  /** Resumes and cancels, per user. */
  controlLimiter: RateLimiter;
  /** This gateway's own frames queue: where the chat service streams answers for its sockets. */
  replyTo: string;
  startTimeoutMs: number;
  logger: Logger;
}

/** What each client frame does. The user id always comes from the verified token. */
export function frameHandlers({ bus, sessions, limiter, controlLimiter, replyTo, startTimeoutMs, logger }: FrameHandlerDeps) {
  const chatError = toChatErrorFrame;

  /** Sends a request to the chat service; SERVICE_UNAVAILABLE if nothing comes back in time. */
  async function dispatch(client: ClientSocket, requestId: string, request: ChatRequest): Promise<void> {
    // Every socket on the request hears the timeout, and the route ends: frames that might still
    // come later would contradict the error (the request expired in the queue, see below).
    sessions.listen(
      client, requestId, startTimeoutMs,
      () => sessions.fail(client.userId, requestId, chatError(requestId, new AppError('SERVICE_UNAVAILABLE', 'The chat service did not answer in time'))),
      request.kind === 'resume' ? request.offset : 0,
    );
    try {
      // The root of a chat turn's trace: everything downstream (chat, sidekiq RPC, model call,
      // ThreadCreated handlers) hangs under this span through the message headers.
      await inSpan(`ws ${request.kind === 'send' ? 'chat.send' : 'chat.resume'}`, { kind: SpanKind.SERVER, attributes: { 'sidekiq.request_id': requestId, 'enduser.id': client.userId } }, () =>
        // The TTL makes a request expire in the queue once nobody waits for it.
        // Not persistent: a request lives seconds (its TTL) and nobody waits for it after a broker
        // restart, so it need not wait for a disk write before its confirm.
        bus.publishConfirmed('', topology.chatRequestsQueue, request, { expiration: String(startTimeoutMs), persistent: false }),
      );
    } catch (err) {
      sessions.fail(client.userId, requestId, chatError(requestId, toAppError(err)));
    }
  }

  async function control(c: ChatControl): Promise<void> {
    await bus.publishConfirmed(topology.chatControlExchange, '', c).catch((err) => logger.warn({ err: String(err) }, 'control not sent'));
  }

  return {
    async onText(client: ClientSocket, text: string): Promise<void> {
      const parsed = parseClientFrame(text);
      if (!parsed.ok) {
        if (parsed.kind === 'bad-frame') return client.send({ type: 'error', code: 'BAD_FRAME', message: parsed.message });
        return client.send(chatError(parsed.requestId, validationError(parsed.details, parsed.type)));
      }
      const { frame } = parsed;
      const userId = client.userId;
      switch (frame.type) {
        case 'ping':
          return client.send({ type: 'pong' });
        case 'chat.send':
          if (!limiter.take(userId)) return client.send(chatError(frame.requestId, new AppError('RATE_LIMITED', 'Too many messages; slow down')));
          return dispatch(client, frame.requestId, {
            kind: 'send', requestId: frame.requestId, userId, content: frame.content, threadId: frame.threadId, sidekiqId: frame.sidekiqId, replyTo, deadline: Date.now() + startTimeoutMs,
          });
        case 'chat.resume':
          // Resumes share the chat work queue: bounded per user so a flood cannot starve others.
          if (!controlLimiter.take(userId)) return client.send(chatError(frame.requestId, new AppError('RATE_LIMITED', 'Too many resumes; slow down')));
          return dispatch(client, frame.requestId, { kind: 'resume', requestId: frame.requestId, userId, offset: frame.offset, replyTo, deadline: Date.now() + startTimeoutMs });
        case 'chat.cancel':
          // Only a request this user follows on this gateway (sent or resumed here) can be
          // cancelled: cancels for made-up ids never reach the chat instances.
          if (!sessions.isListening(userId, frame.requestId)) return;
          if (!controlLimiter.take(userId)) return client.send(chatError(frame.requestId, new AppError('RATE_LIMITED', 'Too many cancels; slow down')));
          return control({ kind: 'cancel', requestId: frame.requestId, userId });
        default: {
          const never: never = frame;
          throw new Error(`unhandled frame ${JSON.stringify(never)}`);
        }
      }
    },

    /** The user's last socket on a running request is gone: let the chat service know (it cancels after a grace). */
    onClose(client: ClientSocket): void {
      for (const { userId, requestId } of sessions.close(client)) void control({ kind: 'detach', requestId, userId, replyTo });
    },
  };
}
export type FrameHandlers = ReturnType<typeof frameHandlers>;

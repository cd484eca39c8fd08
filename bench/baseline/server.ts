/**
 * The baseline: the monolith the product replaces. One process, no database, no broker: a
 * WebSocket server that verifies the same JWT, accepts the same `chat.send` frame, calls the
 * same model server through the openai SDK and forwards every delta at once as the same
 * `chat.delta` frame ({offset, delta}), then `chat.done`.
 *
 * Env: BASELINE_PORT (18100), JWT_SECRET, OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL.
 * Run: node --import tsx bench/baseline/server.ts
 */
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { WebSocketServer, type WebSocket } from 'ws';
import { verifyToken } from '@sidekiq/shared';

const port = Number(process.env.BASELINE_PORT ?? 18100);
const secret = process.env.JWT_SECRET ?? 'dev-secret-change-me-please';
const model = process.env.OPENAI_MODEL ?? 'gpt-4o-mini';
const client = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL ?? 'http://127.0.0.1:8090/v1', apiKey: process.env.OPENAI_API_KEY ?? 'dev', maxRetries: 0, timeout: 60_000 });

const server = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' || req.url === '/readyz' ? 200 : 404, { 'content-type': 'application/json' }).end('{"status":"ok"}');
});
const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url ?? '/', 'http://baseline');
  const token = url.searchParams.get('access_token') ?? req.headers.authorization?.replace(/^Bearer\s+/i, '');
  verifyToken(token ?? undefined, secret).then(
    ({ userId }) => wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, userId)),
    () => socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'),
  );
});

function onConnection(ws: WebSocket, _userId: string): void {
  const running = new Map<string, AbortController>();
  const send = (frame: unknown) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };
  ws.on('message', (data) => {
    let frame: { type?: string; requestId?: string; content?: string; threadId?: string };
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return send({ type: 'error', code: 'BAD_FRAME', message: 'not JSON' });
    }
    if (frame.type === 'ping') return send({ type: 'pong' });
    if (frame.type === 'chat.cancel' && frame.requestId) return running.get(frame.requestId)?.abort();
    if (frame.type !== 'chat.send' || typeof frame.requestId !== 'string' || typeof frame.content !== 'string') {
      return send({ type: 'error', code: 'BAD_FRAME', message: 'unknown frame' });
    }
    void turn(frame.requestId, frame.content, frame.threadId);
  });
  ws.on('close', () => running.forEach((c) => c.abort()));

  async function turn(requestId: string, content: string, threadId: string = randomUUID()): Promise<void> {
    const messageId = randomUUID();
    const controller = new AbortController();
    running.set(requestId, controller);
    send({ type: 'chat.started', requestId, threadId, messageId, userMessageId: randomUUID(), isNewThread: false, sidekiq: null });
    let offset = 0;
    let finishReason: string = 'stop';
    let usage: { promptTokens: number; completionTokens: number } | null = null;
    try {
      const stream = await client.chat.completions.create(
        { model, messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true } },
        { signal: controller.signal },
      );
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        const delta = choice?.delta?.content;
        if (delta) {
          send({ type: 'chat.delta', requestId, threadId, messageId, offset, delta });
          offset += delta.length;
        }
        if (choice?.finish_reason === 'length') finishReason = 'length';
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      }
      send({ type: 'chat.done', requestId, threadId, messageId, finishReason, usage });
    } catch (err) {
      if (controller.signal.aborted) send({ type: 'chat.done', requestId, threadId, messageId, finishReason: 'cancelled', usage: null });
      else send({ type: 'chat.error', requestId, code: 'LLM_ERROR', message: String((err as Error).message), retryable: true });
    } finally {
      running.delete(requestId);
    }
  }
}

server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => process.stdout.write(`baseline: listening on ${port}\n`));
const stop = () => {
  for (const ws of wss.clients) ws.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

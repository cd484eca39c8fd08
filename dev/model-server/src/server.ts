/**
 * A small OpenAI-compatible chat completions server for development and tests (node:http only).
 * Deterministic answers (see answer.ts for the control markers), streaming in the exact OpenAI
 * SSE chunk format, usage, paced token rate, and a log of every request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { answerTokens, contentText, countPromptTokens, parseMarkers, type MessageContent } from './answer';
import { RequestLog, type RequestLogEntry } from './request-log';

export { RequestLog, type RequestLogEntry } from './request-log';

export interface ModelServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Default pace; 0 = as fast as possible. Default 50. */
  tokensPerSecond?: number;
  /** Default delay before the first token. Default 0. */
  firstTokenMs?: number;
  /** Default answer length in tokens. Default 20. */
  defaultTokens?: number;
  /** How many requests the log keeps. Default 1000. */
  logLimit?: number;
  /** Model ids listed by GET /v1/models (any model is accepted). */
  models?: string[];
}

export interface ModelServer {
  /** Base URL including `/v1`, for `new OpenAI({ baseURL: url })`. */
  url: string;
  port: number;
  close(): Promise<void>;
  log: RequestLog;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

const messageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
});

const bodySchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
});

type ChatBody = z.output<typeof bodySchema>;

function errorType(status: number): { type: string; code: string | null } {
  if (status === 401) return { type: 'invalid_request_error', code: 'invalid_api_key' };
  if (status === 404) return { type: 'invalid_request_error', code: 'not_found' };
  if (status === 429) return { type: 'requests', code: 'rate_limit_exceeded' };
  if (status >= 500) return { type: 'server_error', code: null };
  return { type: 'invalid_request_error', code: null };
}

function sendError(res: ServerResponse, status: number, message: string, param: string | null = null): void {
  const { type, code } = errorType(status);
  const payload = JSON.stringify({ error: { message, type, param, code } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

function sendJson(res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void {
  const payload = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...extra });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('Request body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function hasBearer(req: IncomingMessage): boolean {
  return /^Bearer\s+\S+/i.test(req.headers.authorization ?? '');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const host = options.host ?? '127.0.0.1';
  const defaultRate = options.tokensPerSecond ?? 50;
  const defaultFirst = options.firstTokenMs ?? 0;
  const defaultTokens = options.defaultTokens ?? 20;
  const models = options.models ?? ['sidekiq-dev', 'gpt-4o-mini'];
  const log = new RequestLog(options.logLimit ?? 1000);
  /** Cancels of every in-flight generation, so close() stops all timers at once. */
  const active = new Set<() => void>();

  const server = createServer({ noDelay: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, `model-server: ${(err as Error).message}`);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/\/+$/, '') || '/';

    if (path === '/healthz' || path === '/readyz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/_dev/requests') {
      if (req.method === 'GET') return sendJson(res, 200, log);
      if (req.method === 'DELETE') {
        log.clear();
        res.writeHead(204).end();
        return;
      }
      return sendError(res, 405, `Method ${req.method} not allowed on ${path}`);
    }
    if (path === '/v1/models' && req.method === 'GET') {
      if (!hasBearer(req)) return sendError(res, 401, 'Missing bearer authentication in header');
      const created = 1_700_000_000;
      return sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created, owned_by: 'sidekiq-dev' })) });
    }
    if (path === '/v1/chat/completions') {
      if (req.method !== 'POST') return sendError(res, 405, `Method ${req.method} not allowed on ${path}`);
      return chatCompletions(req, res);
    }
    return sendError(res, 404, `Unknown route ${req.method} ${path}`);
  }

  async function chatCompletions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
    const entry = log.add({
      id,
      receivedAt: new Date().toISOString(),
      body: null,
      headers: { traceparent: header(req, 'traceparent'), tracestate: header(req, 'tracestate') },
      sentText: '',
      finished: false,
      aborted: false,
      cut: false,
      status: null,
      finishReason: null,
      usage: null,
    });
    const fail = (status: number, message: string, param: string | null = null) => {
      entry.status = status;
      entry.finished = true;
      sendError(res, status, message, param);
    };

    let raw: string;
    try {
      raw = await readBody(req);
    } catch (err) {
      return fail((err as { status?: number }).status ?? 400, (err as Error).message);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return fail(400, 'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)');
    }
    if (json && typeof json === 'object' && !Array.isArray(json)) {
      const j = json as Record<string, unknown>;
      entry.body = { model: j.model, messages: j.messages, temperature: j.temperature, max_tokens: j.max_tokens ?? j.max_completion_tokens, stream: j.stream };
    }
    if (!hasBearer(req)) {
      return fail(401, 'You didn\'t provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).');
    }
    const parsed = bodySchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const param = issue.path.join('.') || null;
      return fail(400, `Invalid request${param ? ` at '${param}'` : ''}: ${issue.message}`, param);
    }
    generate(parsed.data, id, entry, res);
  }

  function generate(body: ChatBody, id: string, entry: RequestLogEntry, res: ServerResponse): void {
    const lastUser = [...body.messages].reverse().find((m) => m.role === 'user');
    const { markers, text } = parseMarkers(contentText(lastUser?.content as MessageContent));
    const rate = markers.rate ?? defaultRate;
    const first = markers.first ?? defaultFirst;
    const cap = body.max_tokens ?? body.max_completion_tokens ?? Infinity;
    let n = markers.tokens ?? defaultTokens;
    let finishReason: 'stop' | 'length' = markers.length ? 'length' : 'stop';
    if (n > cap) {
      n = cap;
      finishReason = 'length';
    }
    const stream = body.stream === true;
    const includeUsage = stream && body.stream_options?.include_usage === true;
    const promptTokens = countPromptTokens(body.messages as { content?: MessageContent }[]);
    const created = Math.floor(Date.now() / 1000);

    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const cancel = () => {
      done = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      active.delete(cancel);
    };
    active.add(cancel);
    res.on('close', () => {
      if (!entry.finished && !entry.cut) entry.aborted = true;
      cancel();
    });
    const later = (ms: number, fn: () => void) => {
      if (done) return;
      timer = setTimeout(() => {
        timer = undefined;
        if (!done) fn();
      }, Math.max(0, ms));
    };
    const cutSocket = () => {
      entry.cut = true;
      cancel();
      res.socket?.destroy();
    };

    if (markers.fail !== undefined) {
      const status = markers.fail;
      later(first, () => {
        cancel();
        entry.status = status;
        entry.finished = true;
        sendError(res, status, `Simulated upstream failure (status ${status})`);
      });
      return;
    }

    if (markers.hang) {
      entry.status = 200;
      res.writeHead(200, stream ? sseHeaders(id) : { 'content-type': 'application/json', 'x-request-id': id });
      res.flushHeaders();
      return; // nothing more until the client goes away (or close())
    }

    const tokens = answerTokens(text, n);
    const usage = { prompt_tokens: promptTokens, completion_tokens: tokens.length, total_tokens: promptTokens + tokens.length };
    const cutAt = markers.cut === undefined ? undefined : Math.min(markers.cut, tokens.length);
    /** When token `i` (0-based) is due, relative to the start of generation. */
    const t0 = Date.now() + first;
    const dueAt = (i: number) => (rate > 0 ? t0 + (i * 1000) / rate : t0);
    /** How many tokens are due by `now`. */
    const dueCount = (now: number) => (rate > 0 ? Math.floor(((now - t0) * rate) / 1000) + 1 : Infinity);

    if (!stream) {
      // Non-streaming: nothing is sent until the answer is complete (or the socket is cut).
      const lastIndex = Math.max(0, (cutAt ?? tokens.length) - 1);
      later(dueAt(lastIndex) - Date.now(), () => {
        if (cutAt !== undefined) return cutSocket();
        cancel();
        const content = tokens.join('');
        entry.status = 200;
        entry.sentText = content;
        entry.finished = true;
        entry.finishReason = finishReason;
        entry.usage = usage;
        sendJson(
          res,
          200,
          {
            id,
            object: 'chat.completion',
            created,
            model: body.model,
            system_fingerprint: 'fp_sidekiq_dev',
            choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finishReason }],
            usage,
          },
          { 'x-request-id': id },
        );
      });
      return;
    }

    // Streaming: the chunk envelope is built once; per token only the content is serialized.
    entry.status = 200;
    res.writeHead(200, sseHeaders(id));
    res.flushHeaders();
    const head = `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(body.model)},"system_fingerprint":"fp_sidekiq_dev","choices":[`;
    const tail = includeUsage ? '],"usage":null}\n\n' : ']}\n\n';
    const roleChunk = `${head}{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}${tail}`;
    const tokenChunk = (t: string) => `${head}{"index":0,"delta":{"content":${JSON.stringify(t)}},"logprobs":null,"finish_reason":null}${tail}`;
    const finalChunk = `${head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"${finishReason}"}${tail}`;
    const usageChunk = `${head}],"usage":${JSON.stringify(usage)}}\n\n`;
    const limit = cutAt ?? tokens.length;
    let sent = 0;

    const tick = () => {
      let out = sent === 0 ? roleChunk : '';
      const upTo = Math.min(limit, dueCount(Date.now()));
      for (; sent < upTo; sent++) {
        out += tokenChunk(tokens[sent]!);
        entry.sentText += tokens[sent]!;
      }
      if (sent >= limit && cutAt !== undefined) {
        // Cut after the K tokens actually reached the socket.
        entry.cut = true;
        cancel();
        if (out) res.write(out, () => res.socket?.destroy());
        else res.socket?.destroy();
        return;
      }
      if (sent >= tokens.length) {
        out += finalChunk;
        if (includeUsage) out += usageChunk;
        out += 'data: [DONE]\n\n';
        cancel();
        entry.finished = true;
        entry.finishReason = finishReason;
        entry.usage = usage;
        res.end(out);
        return;
      }
      if (out) res.write(out);
      later(dueAt(sent) - Date.now(), tick);
    };
    later(t0 - Date.now(), tick);
  }

  function sseHeaders(id: string): Record<string, string> {
    return { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-request-id': id };
  }

  // Let the kernel queue many simultaneous connects (load tests open 1000+ streams at once).
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}/v1`,
    port,
    log,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const cancel of [...active]) cancel();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/**
 * The dev model server through the real `openai` SDK: what the chat service will see.
 * Needs no broker or database.
 */
import OpenAI, { APIError } from 'openai';
import { request } from 'node:http';
import { startModelServer, type ModelServer } from './server';

let server: ModelServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startModelServer({ tokensPerSecond: 0 });
  client = new OpenAI({ baseURL: server.url, apiKey: 'x', maxRetries: 0 });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => server.log.clear());

const user = (content: string) => [{ role: 'user' as const, content }];

async function collect(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  let text = '';
  for await (const chunk of stream) {
    chunks.push(chunk);
    text += chunk.choices[0]?.delta.content ?? '';
  }
  return { chunks, text };
}

describe('streaming', () => {
  it('streams OpenAI chunks whose concatenation equals the logged sentText, then usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'sidekiq-dev',
      messages: [{ role: 'system', content: 'You are terse.' }, ...user('hello model')],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.3,
    });
    const { chunks, text } = await collect(stream);

    // 20 tokens: "Echo: ", the two words, then 17 filler words.
    expect(text).toBe('Echo: hello model lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore ');
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const final = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(final!.choices[0]!.finish_reason).toBe('stop');
    const usageChunk = chunks[chunks.length - 1]!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toEqual({ prompt_tokens: 3 + 4 + 3 + 4 + 2, completion_tokens: 20, total_tokens: 16 + 20 });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);

    const entry = server.log.last()!;
    expect(entry.id).toBe(chunks[0]!.id);
    expect(entry.sentText).toBe(text);
    expect(entry).toMatchObject({ finished: true, aborted: false, cut: false, status: 200, finishReason: 'stop' });
    expect(entry.body).toMatchObject({ model: 'sidekiq-dev', temperature: 0.3 });
    expect(entry.body!.messages).toEqual([{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'hello model' }]);
  });

  it('sends no usage chunk without include_usage', async () => {
    const { chunks } = await collect(await client.chat.completions.create({ model: 'm', messages: user('x [[tokens:3]]'), stream: true }));
    expect(chunks.every((c) => c.usage === undefined || c.usage === null)).toBe(true);
    expect(chunks[chunks.length - 1]!.choices[0]!.finish_reason).toBe('stop');
  });

  it('honours [[tokens]], [[length]] and max_tokens', async () => {
    const a = await collect(await client.chat.completions.create({ model: 'm', messages: user('one two [[tokens:5]] [[length]]'), stream: true }));
    expect(a.text).toBe('Echo: one two lorem ipsum ');
    expect(a.chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0]!.finish_reason).toBe('length');

    const b = await collect(
      await client.chat.completions.create({ model: 'm', messages: user('hi [[tokens:50]]'), stream: true, max_tokens: 4, stream_options: { include_usage: true } }),
    );
    expect(b.text).toBe('Echo: hi lorem ipsum ');
    expect(b.chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0]!.finish_reason).toBe('length');
    expect(b.chunks[b.chunks.length - 1]!.usage!.completion_tokens).toBe(4);
  });

  it('paces tokens at [[rate]] after [[first]]', async () => {
    const started = Date.now();
    const stream = await client.chat.completions.create({ model: 'm', messages: user('[[tokens:11]] [[rate:100]] [[first:150]]'), stream: true });
    let firstAt = 0;
    for await (const chunk of stream) {
      if (!firstAt && chunk.choices[0]?.delta.content) firstAt = Date.now() - started;
    }
    const total = Date.now() - started;
    expect(firstAt).toBeGreaterThanOrEqual(140);
    expect(total).toBeGreaterThanOrEqual(140 + 95); // 10 intervals of 10ms after the first token
    expect(total).toBeLessThan(2000);
  });

  it('records traceparent', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await client.chat.completions.create({ model: 'm', messages: user('t') }, { headers: { traceparent } });
    expect(server.log.last()!.headers.traceparent).toBe(traceparent);
  });
});

describe('non-streaming', () => {
  it('answers a chat.completion with usage, logged as sent', async () => {
    const res = await client.chat.completions.create({ model: 'sidekiq-dev', messages: user('plain [[tokens:4]]') });
    expect(res.object).toBe('chat.completion');
    expect(res.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'Echo: plain lorem ipsum ' });
    expect(res.choices[0]!.finish_reason).toBe('stop');
    // Prompt tokens count the words of the raw message, the marker included.
    expect(res.usage).toMatchObject({ prompt_tokens: 3 + 4 + 2, completion_tokens: 4, total_tokens: 13 });
    expect(server.log.last()).toMatchObject({ sentText: 'Echo: plain lorem ipsum ', finished: true, status: 200 });
  });
});

describe('failures', () => {
  it('[[fail:STATUS]] answers that status with an OpenAI error body', async () => {
    const err = await client.chat.completions.create({ model: 'm', messages: user('[[fail:503]]'), stream: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as APIError).status).toBe(503);
    expect((err as APIError).type).toBe('server_error');

    const rl = await client.chat.completions.create({ model: 'm', messages: user('[[fail:429]]') }).catch((e: unknown) => e);
    expect(rl).toBeInstanceOf(OpenAI.RateLimitError);
    expect(server.log.entries.map((e) => e.status)).toEqual([503, 429]);
  });

  it('[[cut:K]] destroys the socket after exactly K tokens', async () => {
    const stream = await client.chat.completions.create({ model: 'm', messages: user('cut me [[tokens:10]] [[cut:4]] [[rate:200]]'), stream: true });
    let text = '';
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    // undici's "terminated" TypeError comes from another realm than jest's, so no toBeInstanceOf.
    expect(String((err as Error | undefined)?.message)).toMatch(/terminated|socket|closed/i);
    expect(text).toBe('Echo: cut me lorem ');
    const entry = server.log.last()!;
    expect(entry).toMatchObject({ sentText: text, cut: true, finished: false, aborted: false });
  });

  it('records an abort when the client aborts, and stops generating', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'm', messages: user('long [[tokens:1000]] [[rate:100]]'), stream: true },
      { signal: controller.signal },
    );
    let text = '';
    // The SDK's stream ends quietly (or with an abort error) once its signal is aborted.
    await (async () => {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (text.split(' ').length > 5) controller.abort();
      }
    })().catch(() => undefined);
    expect(text.split(' ').length).toBeGreaterThan(5);
    const entry = await server.log.waitFor((e) => e.aborted);
    expect(entry.finished).toBe(false);
    const sentAtAbort = entry.sentText;
    expect(sentAtAbort.startsWith(text)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(entry.sentText).toBe(sentAtAbort); // no more tokens after the client went away
    expect(sentAtAbort.length).toBeLessThan(200);
  });

  it('[[hang]] sends headers then nothing, so only a client-side timer ends it', async () => {
    const started = Date.now();
    // The SDK's own `timeout` stops at the response headers, which [[hang]] does send: a caller
    // needs its own first-token/idle timer, as the chat service has.
    const stream = await client.chat.completions.create(
      { model: 'm', messages: user('[[hang]]'), stream: true },
      { signal: AbortSignal.timeout(300) },
    );
    let text = '';
    await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch(() => undefined);
    expect(text).toBe('');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const entry = await server.log.waitFor((e) => e.aborted);
    expect(entry).toMatchObject({ status: 200, sentText: '', finished: false });
  });
});

describe('HTTP surface', () => {
  const raw = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; json: unknown }>((resolve, reject) => {
      const req = request(`${server.url.replace(/\/v1$/, '')}${path}`, { method, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode!, json: data ? JSON.parse(data) : null }));
      });
      req.on('error', reject);
      req.end(body);
    });

  it('requires a bearer token', async () => {
    const r = await raw('POST', '/v1/chat/completions', JSON.stringify({ model: 'm', messages: user('x') }));
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('rejects invalid bodies with 400 invalid_request_error', async () => {
    const auth = { authorization: 'Bearer x' };
    const bad = await raw('POST', '/v1/chat/completions', JSON.stringify({ model: 'm', messages: [] }), auth);
    expect(bad).toMatchObject({ status: 400, json: { error: { type: 'invalid_request_error', param: 'messages' } } });
    const notJson = await raw('POST', '/v1/chat/completions', '{nope', auth);
    expect(notJson).toMatchObject({ status: 400, json: { error: { type: 'invalid_request_error' } } });
    const temp = await raw('POST', '/v1/chat/completions', JSON.stringify({ model: 'm', messages: user('x'), temperature: 7 }), auth);
    expect(temp).toMatchObject({ status: 400, json: { error: { param: 'temperature' } } });
  });

  it('lists models, reports health, exposes and clears the request log', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('sidekiq-dev');
    expect((await raw('GET', '/healthz')).status).toBe(200);

    await client.chat.completions.create({ model: 'm', messages: user('first') });
    await client.chat.completions.create({ model: 'm', messages: user('second') });
    const listed = await raw('GET', '/_dev/requests');
    expect((listed.json as { sentText: string }[]).map((e) => e.sentText.split(' ')[1])).toEqual(['first', 'second']);
    expect((await raw('DELETE', '/_dev/requests')).status).toBe(204);
    expect((await raw('GET', '/_dev/requests')).json).toEqual([]);
  });
});

describe('load', () => {
  it('serves 1000 concurrent paced streams', async () => {
    const paced = await startModelServer({ tokensPerSecond: 50 });
    const c = new OpenAI({ baseURL: paced.url, apiKey: 'x', maxRetries: 0 });
    try {
      const started = Date.now();
      const texts = await Promise.all(
        Array.from({ length: 1000 }, async (_, i) => {
          const { text } = await collect(await c.chat.completions.create({ model: 'm', messages: user(`n${i}`), stream: true }));
          return text;
        }),
      );
      const elapsed = Date.now() - started;
      expect(texts.every((t, i) => t.startsWith(`Echo: n${i} `) && t.split(' ').length === 21)).toBe(true);
      expect(paced.log.entries.filter((e) => e.finished)).toHaveLength(1000);
      // 20 tokens at 50/s is ~380ms per stream; all 1000 run side by side.
      expect(elapsed).toBeLessThan(15000);
    } finally {
      await paced.close();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { startModelServer, type ModelServer } from '@sidekiq/model-server';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { freePort, startServiceProcess, type ServiceProcess } from '../support/processes';
import { isolatedAmqpUrl } from '../support/vhost';
import { TEST_JWT_SECRET, eventually, tokenFor, uniqueDb } from '../support/env';
import { TestClient } from '../support/ws-client';

const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;
const ERROR = 2;

/**
 * Issue 6's proof: with the real SDK pipeline in every service process, exporting OTLP/HTTP JSON
 * to a receiver in this test, one chat turn with a Sidekiq is one trace across the gateway, chat
 * (and its model call), the sidekiq RPC and the ThreadCreated handlers in sidekiq and thread.
 */
describe('tracing across services', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let model: ModelServer;
  let vhost: Awaited<ReturnType<typeof isolatedAmqpUrl>>;
  const procs: ServiceProcess[] = [];
  let gatewayUrl = '';

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    model = await startModelServer({ tokensPerSecond: 200 });
    vhost = await isolatedAmqpUrl(process.env.AMQP_URL!);
    const [gw, sk, th, ch] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const common = {
      AMQP_URL: vhost.url,
      JWT_SECRET: TEST_JWT_SECRET,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '500',
    };
    procs.push(
      ...(await Promise.all([
        startServiceProcess('sidekiq', sk, { ...common, SIDEKIQ_PORT: String(sk), SIDEKIQ_DB: uniqueDb('tr_sk') }),
        startServiceProcess('thread', th, { ...common, THREAD_PORT: String(th), THREAD_DB: uniqueDb('tr_th') }),
        startServiceProcess('chat', ch, { ...common, CHAT_PORT: String(ch), CHAT_DB: uniqueDb('tr_chat'), OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'test', DETACH_GRACE_MS: '10000' }),
      ])),
    );
    procs.push(
      await startServiceProcess('gateway', gw, {
        ...common, GATEWAY_PORT: String(gw), SIDEKIQ_URL: `http://127.0.0.1:${sk}`, THREAD_URL: `http://127.0.0.1:${th}`, CHAT_URL: `http://127.0.0.1:${ch}`,
      }),
    );
    gatewayUrl = `http://127.0.0.1:${gw}`;
  }, 90_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await model?.close();
    await receiver?.close();
    await vhost?.dispose();
  });

  async function createSidekiq(user: string) {
    const res = await fetch(`${gatewayUrl}/api/sidekiqs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenFor(user)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Tracer', instructions: 'Be traceable' }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string };
  }

  const rootOf = (requestId: string) => receiver.spans.find((s) => s.name === 'ws chat.send' && s.attributes['sidekiq.request_id'] === requestId);
  const traceOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
  const modelSpan = (spans: ReceivedSpan[]) => spans.find((s) => s.service === 'chat' && s.name.startsWith('chat ') && s.kind === CLIENT);

  it('puts one chat turn with a Sidekiq in one trace across gateway, chat, sidekiq, the model call and both ThreadCreated handlers', async () => {
    const user = `tracer-${randomUUID()}`;
    const sidekiq = await createSidekiq(user);
    const client = await TestClient.connect(gatewayUrl, await tokenFor(user));
    const requestId = randomUUID();
    client.send({ type: 'chat.send', requestId, content: 'trace me [[tokens:5]]', sidekiqId: sidekiq.id });
    expect(await client.end(requestId)).toMatchObject({ type: 'chat.done' });
    await client.close();

    const root = await eventually(async () => rootOf(requestId), Boolean, 10_000, 'gateway root span');
    const spans = await eventually(
      async () => traceOf(root!.traceId),
      (all) =>
        all.some((s) => s.service === 'sidekiq' && s.kind === SERVER && s.name.includes('resolveForChat')) &&
        all.some((s) => s.service === 'sidekiq' && s.kind === CONSUMER && s.name === 'process thread.created.v1') &&
        all.some((s) => s.service === 'thread' && s.kind === CONSUMER && s.name === 'process thread.created.v1') &&
        Boolean(modelSpan(all)) &&
        all.some((s) => s.service === 'gateway' && s.name.startsWith('deliver') && s.name.includes('chat.done')),
      15_000,
      'spans of every service in the turn’s trace',
    );
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['gateway', 'chat', 'sidekiq', 'thread']));
    expect(spans.some((s) => s.service === 'chat' && s.kind === CONSUMER && s.name === 'process chat.requests.v2')).toBe(true);
    expect(spans.some((s) => s.attributes['db.system'] === 'mongodb' || s.attributes['db.system.name'] === 'mongodb')).toBe(true);

    const genai = modelSpan(spans)!;
    expect(genai.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': expect.any(String), 'gen_ai.response.finish_reasons': ['stop'] });
    expect(genai.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(genai.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);

    // The model got a W3C traceparent of the same trace.
    const entry = model.log.entries.find((e) => JSON.stringify(e.body?.messages).includes('trace me'))!;
    expect(entry.headers.traceparent).toMatch(new RegExp(`^00-${root!.traceId}-[0-9a-f]{16}-0[01]$`));
  });

  it('ends the model span of a cancelled turn as OK with reason cancelled, and of a failed call as ERROR', async () => {
    const user = `tracer-${randomUUID()}`;
    const client = await TestClient.connect(gatewayUrl, await tokenFor(user));
    const cancelled = randomUUID();
    client.send({ type: 'chat.send', requestId: cancelled, content: 'long one [[tokens:500]] [[rate:20]]' });
    await client.waitFor((f) => f.requestId === cancelled && f.type === 'chat.delta');
    client.send({ type: 'chat.cancel', requestId: cancelled });
    expect(await client.end(cancelled)).toMatchObject({ type: 'chat.done', finishReason: 'cancelled' });

    const failed = randomUUID();
    client.send({ type: 'chat.send', requestId: failed, content: 'boom [[fail:500]]' });
    expect(await client.end(failed)).toMatchObject({ type: 'chat.error', code: 'LLM_ERROR' });
    await client.close();

    const spanOfTurn = async (requestId: string) => {
      const root = await eventually(async () => rootOf(requestId), Boolean, 10_000, 'root span');
      return eventually(async () => modelSpan(traceOf(root!.traceId)), Boolean, 10_000, 'model span');
    };
    const c = (await spanOfTurn(cancelled))!;
    expect(c.status.code).not.toBe(ERROR);
    expect(c.attributes['gen_ai.response.finish_reasons']).toEqual(['cancelled']);
    const f = (await spanOfTurn(failed))!;
    expect(f.status.code).toBe(ERROR);
    expect(f.attributes['error.type']).toBe('LLM_ERROR');
  });

  it('exports the metrics operators watch', async () => {
    await eventually(
      async () => receiver.metricNames,
      (names) => ['sidekiq.ws.connections', 'sidekiq.chat.turns', 'sidekiq.chat.time_to_first_token', 'sidekiq.chat.tokens_streamed', 'sidekiq.bus.consumer_lag'].every((n) => names.has(n)),
      10_000,
      'metrics',
    );
  });
});

/**
 * Test support for the sidekiq service's integration tests: starts the service in-process against
 * the real broker and database, speaks HTTP to it, and looks at the broker directly.
 * Not imported by production code.
 */
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage, type GetMessage } from 'amqplib';
import { topology, type Envelope } from '@sidekiq/shared';
import { testConfig, testLogger, tokenFor, uniqueDb } from '../../../../test/support/env';
import { configSchema } from '../config';
import { startSidekiqService, type RunningService, type StartOptions } from '../app';
import { SIDEKIQ_EVENTS_QUEUE } from '../entry-points/amqp/subscriptions';

const sharedAmqpUrl = () => process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const TEST_VHOST = 'sidekiq-it';
let isolatedUrl: string | undefined;

/**
 * The broker URL the sidekiq tests use. The broker on a workstation is shared: a dev stack
 * (`npm start`) or another service's tests may run a sidekiq service consuming the very same
 * `sidekiq.rpc.v1` / `sidekiq.events.v1` queues, against another database, and would answer
 * our RPCs or swallow our events. So, when the broker is local and `rabbitmqctl` can be used,
 * the tests run in a virtual host of their own; otherwise (a testcontainers broker, private
 * to this run) the URL is used as given.
 */
export function amqpUrl(): string {
  if (isolatedUrl) return isolatedUrl;
  const base = sharedAmqpUrl();
  isolatedUrl = base;
  const url = new URL(base);
  if (!['127.0.0.1', 'localhost'].includes(url.hostname) || (url.pathname && url.pathname !== '/')) return base;
  try {
    const ctl = (...args: string[]) => execFileSync('rabbitmqctl', ['-q', ...args], { stdio: 'pipe', timeout: 20_000 }).toString();
    if (!ctl('list_vhosts').split('\n').includes(TEST_VHOST)) ctl('add_vhost', TEST_VHOST);
    ctl('set_permissions', '-p', TEST_VHOST, decodeURIComponent(url.username || 'guest'), '.*', '.*', '.*');
    url.pathname = `/${TEST_VHOST}`;
    isolatedUrl = url.toString();
  } catch {
    // No rabbitmqctl here: share the default vhost (the files purge the queues they depend on).
  }
  return isolatedUrl;
}

/** Short retries so failure paths finish within a test. */
export const TEST_RETRY_DELAYS_MS = [100, 300];

export interface TestService extends RunningService {
  db: string;
  url: string;
}

/** Starts one instance; pass the same `db` to start a second instance of the same service. */
export async function startTestService(
  options: { db?: string; env?: Record<string, string | number>; faults?: StartOptions['faults']; retryDelaysMs?: number[] } = {},
): Promise<TestService> {
  const db = options.db ?? uniqueDb('sk');
  const config = testConfig(configSchema, { AMQP_URL: amqpUrl(), SIDEKIQ_PORT: 0, SIDEKIQ_DB: db, OUTBOX_SWEEP_MS: 200, ...options.env });
  const service = await startSidekiqService(config, testLogger('sidekiq'), {
    retryDelaysMs: options.retryDelaysMs ?? TEST_RETRY_DELAYS_MS,
    faults: options.faults,
  });
  return { ...service, db, url: `http://127.0.0.1:${service.port}` };
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
}

/** One HTTP call to the service as `userId` (or with the raw `authorization` given). */
export async function call<T = any>(
  service: { url: string },
  method: string,
  path: string,
  opts: { user?: string; authorization?: string | null; body?: unknown; rawBody?: string } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = {};
  if (opts.authorization !== undefined) {
    if (opts.authorization !== null) headers.authorization = opts.authorization;
  } else if (opts.user) headers.authorization = `Bearer ${await tokenFor(opts.user)}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${service.url}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export const newUser = () => `user-${randomUUID().slice(0, 8)}`;

/** A raw connection to the broker, for what the tests publish and observe themselves. */
export class BrokerProbe {
  private constructor(
    readonly conn: ChannelModel,
    readonly ch: Channel,
  ) {}

  static async open(): Promise<BrokerProbe> {
    const conn = await amqp.connect(amqpUrl());
    conn.on("error", () => undefined); // a broker restart must not crash the test process
    const ch = await conn.createConfirmChannel();
    return new BrokerProbe(conn, ch);
  }

  /**
   * Empties the sidekiq service's queues. Several test files share these names on one broker;
   * a file that depends on what is (not) in them purges them first.
   */
  async purgeSidekiqQueues(): Promise<void> {
    for (const q of [SIDEKIQ_EVENTS_QUEUE, topology.deadLetterQueue(SIDEKIQ_EVENTS_QUEUE), 'sidekiq.rpc.v1']) {
      const ch = await this.conn.createChannel();
      ch.on('error', () => undefined); // 404 when the queue does not exist yet
      await ch.purgeQueue(q).catch(() => undefined); // absent before the first service starts
      await ch.close().catch(() => undefined);
    }
  }

  /** Publishes an event (or any body) to the events exchange and waits for the broker's confirm. */
  async publish(routingKey: string, body: unknown, options: amqp.Options.Publish = {}): Promise<void> {
    const content = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    this.ch.publish(topology.eventsExchange, routingKey, content, { persistent: true, contentType: 'application/json', ...options });
    await (this.ch as amqp.ConfirmChannel).waitForConfirms();
  }

  async publishEvent(event: Envelope): Promise<void> {
    await this.publish(`${event.type}.v${event.version}`, event, { messageId: event.id });
  }

  /** A temporary exclusive queue bound to the events exchange; collects every message. */
  async listen(bindingKey: string): Promise<{ messages: Array<{ routingKey: string; body: any; msg: ConsumeMessage }>; stop(): Promise<void> }> {
    const ch = await this.conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    await ch.bindQueue(queue, topology.eventsExchange, bindingKey);
    const messages: Array<{ routingKey: string; body: any; msg: ConsumeMessage }> = [];
    await ch.consume(queue, (msg) => {
      if (msg) messages.push({ routingKey: msg.fields.routingKey, body: JSON.parse(msg.content.toString('utf8')), msg });
    }, { noAck: true });
    return { messages, stop: () => ch.close().catch(() => undefined) };
  }

  /** Takes every message currently in `queue` (acking them). */
  async drain(queue: string): Promise<GetMessage[]> {
    const out: GetMessage[] = [];
    for (;;) {
      const msg = await this.ch.get(queue, { noAck: true });
      if (!msg) return out;
      out.push(msg);
    }
  }

  /** Sends a raw RPC request over direct reply-to and returns the parsed reply (or undefined on timeout). */
  async rawRpc(queue: string, content: Buffer, timeoutMs = 3000): Promise<any> {
    const ch = await this.conn.createChannel();
    const correlationId = randomUUID();
    try {
      return await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), timeoutMs);
        void ch
          .consume('amq.rabbitmq.reply-to', (msg) => {
            if (msg?.properties.correlationId === correlationId) {
              clearTimeout(timer);
              resolve(JSON.parse(msg.content.toString('utf8')));
            }
          }, { noAck: true })
          .then(() => ch.sendToQueue(queue, content, { correlationId, replyTo: 'amq.rabbitmq.reply-to', expiration: String(timeoutMs) }));
      });
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.conn.close().catch(() => undefined);
  }
}

/** A promise that never settles: a "dead" process's handler stops right there. */
export const never = () => new Promise<never>(() => undefined);

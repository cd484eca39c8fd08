import { randomUUID } from 'node:crypto';
import { ThreadCreated, declareQueueWithDeadLetters, headers, topology } from '@sidekiq/shared';
import { eventually } from '../../../../../test/support/env';
import { BrokerProbe, call, newUser, startTestService, type TestService } from '../../testing/harness';
import { SIDEKIQ_EVENTS_QUEUE } from './subscriptions';

const DLQ = topology.deadLetterQueue(SIDEKIQ_EVENTS_QUEUE);
const RETRY_DELAYS = [150, 400];

let broker: BrokerProbe;
let service: TestService;
const failingThreads = new Set<string>();
const attempts = new Map<string, number[]>();

beforeAll(async () => {
  broker = await BrokerProbe.open();
  await broker.purgeSidekiqQueues();
  service = await startTestService({
    retryDelaysMs: RETRY_DELAYS,
    faults: {
      // A handler that keeps failing for chosen threads (a bug, a poison record...).
      afterThreadUseRecorded: async (threadId) => {
        attempts.set(threadId, [...(attempts.get(threadId) ?? []), Date.now()]);
        if (failingThreads.has(threadId)) throw new Error(`handler exploded for ${threadId}`);
      },
    },
  });
});
afterAll(async () => {
  await service?.close();
  await broker?.close();
});

/** Collects what reaches the DLQ; the queue was purged at the start of this file. */
const deadLetters: Awaited<ReturnType<BrokerProbe['drain']>> = [];
async function deadLetterWithId(messageId: string) {
  return eventually(
    async () => {
      deadLetters.push(...(await broker.drain(DLQ)));
      return deadLetters.find((m) => m.properties.messageId === messageId);
    },
    (m) => m !== undefined,
    10_000,
    `dead letter ${messageId}`,
  );
}

describe('consumer failures of the sidekiq service', () => {
  it('a message that fails schema validation goes straight to sidekiq.events.v1.dlq with the reason in its headers', async () => {
    const messageId = randomUUID();
    const bad = { id: randomUUID(), type: 'thread.created', version: 1, occurredAt: new Date().toISOString(), data: { threadId: 't-1' /* no userId, createdAt */ } };
    await broker.publish(ThreadCreated.routingKey, bad, { messageId });
    const dead = (await deadLetterWithId(messageId))!;
    expect(dead.properties.headers?.[headers.deathReason]).toBe('invalid-message');
    expect(String(dead.properties.headers?.[headers.deathError])).toMatch(/userId|createdAt/);
    expect(dead.properties.headers?.[headers.originalRoutingKey]).toBe(ThreadCreated.routingKey);
    expect(JSON.parse(dead.content.toString())).toEqual(bad); // kept intact for inspection and replay
    expect(dead.properties.headers?.[headers.attempt]).toBeUndefined(); // not retried first
  });

  it('a body that is not JSON is dead-lettered too, its text kept', async () => {
    const messageId = randomUUID();
    await broker.publish(ThreadCreated.routingKey, 'definitely {not json', { messageId });
    const dead = (await deadLetterWithId(messageId))!;
    expect(dead.properties.headers?.[headers.deathReason]).toBe('invalid-message');
    expect(JSON.parse(dead.content.toString())).toEqual({ unparseable: 'definitely {not json' });
  });

  it('a handler that keeps failing is retried with growing backoff, then dead-lettered; it does not loop and the consumer keeps working', async () => {
    const user = newUser();
    const sidekiq = (await call(service, 'POST', '/api/sidekiqs', { user, body: { name: 'Fragile' } })).body;
    const snapshot = { id: sidekiq.id, name: sidekiq.name, avatar: sidekiq.avatar, version: 1 };
    const doomed = ThreadCreated.create({ threadId: randomUUID(), userId: user, sidekiq: snapshot, title: null, createdAt: new Date().toISOString() });
    failingThreads.add(doomed.data.threadId);
    await broker.publishEvent(doomed);

    const dead = (await deadLetterWithId(doomed.id))!;
    expect(dead.properties.headers?.[headers.deathReason]).toBe('handler-failed');
    expect(String(dead.properties.headers?.[headers.deathError])).toContain('handler exploded');
    expect(dead.properties.headers?.[headers.attempt]).toBe(RETRY_DELAYS.length);
    const times = attempts.get(doomed.data.threadId)!;
    expect(times).toHaveLength(1 + RETRY_DELAYS.length);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(RETRY_DELAYS[0]! - 20);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(RETRY_DELAYS[1]! - 20);

    // No crash loop: nothing more happens to it.
    await new Promise((r) => setTimeout(r, 1000));
    expect(attempts.get(doomed.data.threadId)).toHaveLength(1 + RETRY_DELAYS.length);
    // And the consumer is alive for the next message.
    const fine = ThreadCreated.create({ threadId: randomUUID(), userId: user, sidekiq: snapshot, title: null, createdAt: '2030-01-01T00:00:00.000Z' });
    await broker.publishEvent(fine);
    await eventually(() => call(service, 'GET', `/api/sidekiqs/${sidekiq.id}`, { user }), (r) => r.body.lastUsedAt === '2030-01-01T00:00:00.000Z', 10_000, 'the next message counted');
  });

  it('a handler that fails once succeeds on its retry and counts once', async () => {
    const user = newUser();
    const sidekiq = (await call(service, 'POST', '/api/sidekiqs', { user, body: { name: 'Flaky' } })).body;
    const event = ThreadCreated.create({
      threadId: randomUUID(),
      userId: user,
      sidekiq: { id: sidekiq.id, name: sidekiq.name, avatar: sidekiq.avatar, version: 1 },
      title: null,
      createdAt: '2030-02-01T00:00:00.000Z',
    });
    failingThreads.add(event.data.threadId);
    await broker.publishEvent(event);
    await eventually(async () => attempts.get(event.data.threadId)?.length ?? 0, (n) => n >= 1, 5000, 'first attempt');
    failingThreads.delete(event.data.threadId); // the transient fault clears
    const res = await eventually(() => call(service, 'GET', `/api/sidekiqs/${sidekiq.id}`, { user }), (r) => r.body.threadCount === 1, 10_000, 'counted after retry');
    expect(res.body.lastUsedAt).toBe('2030-02-01T00:00:00.000Z');
    expect(attempts.get(event.data.threadId)).toHaveLength(2);
  });
});

describe('the quorum queue under the consumer', () => {
  it('is a quorum queue: redeclaring it as a classic queue is refused by the broker', async () => {
    const ch = await broker.conn.createChannel();
    const closed = new Promise<Error>((resolve) => ch.on('error', resolve));
    await expect(ch.assertQueue(SIDEKIQ_EVENTS_QUEUE, {
      durable: true,
      // Every argument as the consumer declares it, except the type.
      arguments: { 'x-queue-type': 'classic', 'x-delivery-limit': 10, 'x-dead-letter-exchange': topology.deadLetterExchange, 'x-dead-letter-routing-key': SIDEKIQ_EVENTS_QUEUE },
    })).rejects.toThrow(/PRECONDITION_FAILED/);
    expect(String(await closed)).toMatch(/x-queue-type/);
  });

  it('dead-letters a message that keeps coming back (a consumer that dies on it) once the delivery limit is reached', async () => {
    const queue = `sidekiq.it.quorum.${randomUUID().slice(0, 8)}`;
    const ch = await broker.conn.createChannel();
    try {
      await declareQueueWithDeadLetters(ch, queue, 2);
      ch.sendToQueue(queue, Buffer.from('{"poison":true}'), { messageId: 'poison', persistent: true });
      // Each nack-with-requeue stands for a consumer dying on the message.
      let deliveries = 0;
      for (let i = 0; i < 10; i++) {
        const msg = await eventually(() => ch.get(queue), (m) => m !== false || deliveries > 2, 3000, 'delivery');
        if (!msg) break;
        deliveries++;
        ch.nack(msg, false, true);
      }
      expect(deliveries).toBe(3); // the first delivery and 2 redeliveries, then the broker gives up
      const dead = await eventually(() => ch.get(topology.deadLetterQueue(queue)), (m) => m !== false, 5000, 'broker dead letter');
      expect(dead && dead.properties.messageId).toBe('poison');
    } finally {
      await ch.deleteQueue(queue).catch(() => undefined);
      await ch.deleteQueue(topology.deadLetterQueue(queue)).catch(() => undefined);
      await ch.close().catch(() => undefined);
    }
  });
});

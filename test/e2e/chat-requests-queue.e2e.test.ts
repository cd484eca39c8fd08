import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { topology } from '@sidekiq/shared';
import { startStack, type Stack } from '../support/stack';
import { eventually } from '../support/env';

/** The chat work queue: poison goes to its DLQ with the reason; expired requests just vanish. */
describe('the chat request queue', () => {
  let stack: Stack;
  let conn: amqp.ChannelModel;
  let ch: amqp.Channel;
  const queue = topology.chatRequestsQueue;
  const dlq = topology.deadLetterQueue(queue);

  beforeAll(async () => {
    stack = await startStack();
    conn = await amqp.connect(stack.amqpUrl);
    ch = await conn.createChannel();
    await ch.purgeQueue(dlq);
  });
  afterAll(async () => {
    await conn?.close();
    await stack?.close();
  });

  it('dead-letters a malformed request with its reason, and the chat service keeps answering', async () => {
    ch.sendToQueue(queue, Buffer.from('{"kind":"send","this is":"not a request"'));
    const dead = await eventually(async () => ch.get(dlq, { noAck: true }), (m) => m !== false, 10_000, 'the poison in the DLQ');
    expect(dead && dead.properties.headers?.['x-death-reason']).toBe('invalid-message');
    expect(dead && JSON.parse(dead.content.toString()).unparseable).toContain('not a request');

    const client = await stack.connect(`u-${randomUUID()}`);
    const requestId = randomUUID();
    client.send({ type: 'chat.send', requestId, content: 'after the poison [[tokens:3]]' });
    expect(await client.end(requestId)).toMatchObject({ type: 'chat.done' });
    await client.close();
  });

  it('lets a request that expired in the queue vanish instead of filling the DLQ', async () => {
    // No chat instance runs: the request sits in the queue until its TTL passes.
    for (const chat of stack.chats) await chat.close();
    ch.sendToQueue(queue, Buffer.from(JSON.stringify({ kind: 'send', requestId: randomUUID(), userId: 'u', content: 'late', replyTo: 'nowhere', deadline: Date.now() - 1 })), { expiration: '200' });
    await new Promise((r) => setTimeout(r, 700));
    expect((await ch.checkQueue(queue)).messageCount).toBe(0);
    expect((await ch.checkQueue(dlq)).messageCount).toBe(0);
  });
});

import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { startStack, type Stack } from '../support/stack';
import { chatTurn, modelRequest } from '../support/chat';

/** chat.send is idempotent by requestId: one thread, one user message, one model call. */
describe('resending chat.send with the same requestId', () => {
  let stack: Stack;
  let db: mongoose.Connection;
  beforeAll(async () => {
    stack = await startStack({ chats: 2 });
    db = await mongoose.createConnection(process.env.MONGO_URL!, { dbName: stack.chatDb }).asPromise();
  });
  afterAll(async () => {
    await db?.close();
    await stack?.close();
  });

  const counts = async (userId: string) => ({
    threads: await db.collection('threads').countDocuments({ userId }),
    userMessages: await db.collection('messages').countDocuments({ userId, role: 'user' }),
    assistantMessages: await db.collection('messages').countDocuments({ userId, role: 'assistant' }),
  });

  it('after completion replays the stored result and creates nothing new', async () => {
    const user = `u-${randomUUID()}`;
    const client = await stack.connect(user);
    const requestId = randomUUID();
    const first = await chatTurn(client, { requestId, content: 'idem-done [[tokens:12]] [[rate:0]]' });
    expect(first.end).toMatchObject({ type: 'chat.done', finishReason: 'stop' });

    const other = await stack.connect(user);
    const again = await chatTurn(other, { requestId, content: 'idem-done [[tokens:12]] [[rate:0]]' });
    expect(again.started).toEqual(first.started);
    expect(again.text).toBe(first.text);
    expect(again.end).toEqual(first.end);
    expect(await counts(user)).toEqual({ threads: 1, userMessages: 1, assistantMessages: 1 });
    expect(stack.model.log.entries.filter((e) => JSON.stringify(e.body?.messages).includes('idem-done'))).toHaveLength(1);
  });

  it('while running attaches the resend to the running stream', async () => {
    const user = `u-${randomUUID()}`;
    const first = await stack.connect(user);
    const requestId = randomUUID();
    const content = 'idem-running [[tokens:60]] [[rate:40]]';
    first.send({ type: 'chat.send', requestId, content });
    await first.waitFor((f) => f.requestId === requestId && f.type === 'chat.delta', 10_000, 'first delta');

    // The client is unsure the first one got through: it resends from a second connection.
    const second = await stack.connect(user);
    const again = await chatTurn(second, { requestId, content });
    const done = await first.end(requestId);
    expect(again.end).toEqual(done);
    expect(again.started).toEqual(first.of(requestId).find((f) => f.type === 'chat.started'));

    const entry = modelRequest(stack, 'idem-running');
    expect(entry.finished).toBe(true);
    expect(first.textOf(requestId)).toBe(entry.sentText);
    expect(again.text).toBe(entry.sentText);
    // The resend got the text so far in its first delta(s), from offset 0, then live deltas.
    expect(second.of(requestId).filter((f) => f.type === 'chat.delta').length).toBeGreaterThan(1);
    expect(stack.model.log.entries.filter((e) => JSON.stringify(e.body?.messages).includes('idem-running'))).toHaveLength(1);
    expect(await counts(user)).toEqual({ threads: 1, userMessages: 1, assistantMessages: 1 });
  });

  it('two sends of one requestId racing on two connections make one thread and one user message', async () => {
    const user = `u-${randomUUID()}`;
    const [a, b] = [await stack.connect(user), await stack.connect(user)];
    const requestId = randomUUID();
    const content = 'idem-race [[tokens:8]]';
    a.send({ type: 'chat.send', requestId, content });
    b.send({ type: 'chat.send', requestId, content });
    const [endA, endB] = await Promise.all([a.end(requestId), b.end(requestId)]);
    expect(endA).toMatchObject({ type: 'chat.done' });
    expect(endB).toEqual(endA);
    expect(a.textOf(requestId)).toBe(b.textOf(requestId));
    expect(await counts(user)).toEqual({ threads: 1, userMessages: 1, assistantMessages: 1 });
  });

  it('the same requestId from another user is a request of its own', async () => {
    const requestId = randomUUID();
    const alice = `u-${randomUUID()}`;
    const bob = `u-${randomUUID()}`;
    const a = await chatTurn(await stack.connect(alice), { requestId, content: 'alice says hi [[tokens:3]]' });
    const b = await chatTurn(await stack.connect(bob), { requestId, content: 'bob says hi [[tokens:3]]' });
    expect(b.started.threadId).not.toBe(a.started.threadId);
    expect(b.text).toContain('bob');
    expect(await counts(bob)).toEqual({ threads: 1, userMessages: 1, assistantMessages: 1 });
  });
});

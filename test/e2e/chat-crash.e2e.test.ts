import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { startStack, type Stack } from '../support/stack';
import { chatTurn } from '../support/chat';

/**
 * A chat instance dies mid-answer (simulated with the test-only `kill()`: no drain, nothing
 * stored, connections dropped). The client is told (chat.error INTERNAL, retryable) by whichever
 * instance is alive, a resend answers at once with the stored result, and nothing stays
 * `streaming`.
 */
describe('a chat instance that dies mid-answer', () => {
  let stack: Stack;
  let db: mongoose.Connection;
  beforeAll(async () => {
    stack = await startStack({ chats: 0 });
    db = await mongoose.createConnection(process.env.MONGO_URL!, { dbName: stack.chatDb }).asPromise();
  });
  afterAll(async () => {
    await db?.close();
    await stack?.close();
  });

  const stored = async (user: string, requestId: string) => {
    const request = await db.collection('requests').findOne({ _id: `${user}:${requestId}` as never });
    const answer = request ? await db.collection('messages').findOne({ _id: request.assistantMessageId }) : null;
    const active = await db.collection('active_turns').countDocuments({ _id: `${user}:${requestId}` as never });
    return { request, answer, active };
  };

  it('the listening client gets chat.error INTERNAL from a live instance, and a resend replays the stored partial at once', async () => {
    const owner = await stack.startChat();
    const user = `u-${randomUUID()}`;
    const client = await stack.connect(user);
    const requestId = randomUUID();
    client.send({ type: 'chat.send', requestId, content: 'long answer [[tokens:3000]] [[rate:60]]' });
    await client.waitFor((f) => f.requestId === requestId && f.type === 'chat.started', 10_000, 'chat.started');
    // Past the first checkpoint (every 2 s): some of the answer is stored.
    await new Promise((r) => setTimeout(r, 2600));
    const survivor = await stack.startChat();
    expect((await stored(user, requestId)).request).toMatchObject({ status: 'running', owner: owner.instanceId });

    await owner.kill();
    const killedAt = Date.now();
    const seenAtKill = client.textOf(requestId).length;
    const end = await client.end(requestId, 15_000);
    const tookToTell = Date.now() - killedAt;
    expect(end).toMatchObject({ type: 'chat.error', code: 'INTERNAL', retryable: true });
    // Stale after 3 missed beats (6 s), swept on the survivor's next beat (2 s).
    expect(tookToTell).toBeLessThan(10_000);
    const live = client.textOf(requestId); // contiguous, one chat.started
    expect(client.of(requestId).filter((f) => f.type === 'chat.started')).toHaveLength(1);
    expect(live.length).toBeGreaterThanOrEqual(seenAtKill);

    // Stored: partial (the last checkpoint), the request failed, no running entry left.
    const after = await stored(user, requestId);
    expect(after.request).toMatchObject({ status: 'failed', error: { code: 'INTERNAL', retryable: true } });
    expect(after.answer).toMatchObject({ status: 'partial' });
    expect(after.answer!.content.length).toBeGreaterThan(0);
    expect(live.startsWith(after.answer!.content)).toBe(true); // at most a checkpoint interval was lost
    expect(after.active).toBe(0);

    // A resend answers at once with exactly what was stored.
    const t0 = Date.now();
    const resend = await chatTurn(await stack.connect(user), { content: 'long answer [[tokens:3000]] [[rate:60]]', requestId }, 5000);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(resend.started).toMatchObject({ requestId, messageId: after.request!.assistantMessageId });
    expect(resend.text).toBe(after.answer!.content);
    expect(resend.end).toMatchObject({ type: 'chat.error', code: 'INTERNAL', retryable: true });
    expect(survivor.instanceId).not.toBe(owner.instanceId);
  });

  it('a resend right after a restart closes the dead owner\'s turn at once instead of waiting for a resume nobody answers', async () => {
    // The only instance: every other one is stopped, so nobody sweeps while it is dead.
    for (const c of stack.chats) await c.close();
    const owner = await stack.startChat();
    const user = `u-${randomUUID()}`;
    const client = await stack.connect(user);
    const requestId = randomUUID();
    const content = 'cut short [[tokens:3000]] [[rate:60]]';
    client.send({ type: 'chat.send', requestId, content });
    await client.waitFor((f) => f.requestId === requestId && f.type === 'chat.delta', 10_000, 'first delta');
    // Before any checkpoint: nothing of the answer is stored yet.
    await new Promise((r) => setTimeout(r, 300));
    await owner.kill();
    // The restarted instance finds the turn itself, once the dead owner's heartbeat is stale (3 beats).
    await new Promise((r) => setTimeout(r, 6500));
    expect((await stored(user, requestId)).request).toMatchObject({ status: 'running' });
    expect(client.of(requestId).filter((f) => f.type === 'chat.error' || f.type === 'chat.done')).toEqual([]);

    await stack.startChat();
    const t0 = Date.now();
    const resend = await chatTurn(await stack.connect(user), { content, requestId }, 5000);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(resend.end).toMatchObject({ type: 'chat.error', code: 'INTERNAL', retryable: true });
    expect(resend.text).toBe('');
    // The socket that was streaming is told too.
    expect(await client.end(requestId, 3000)).toMatchObject({ type: 'chat.error', code: 'INTERNAL', retryable: true });

    const after = await stored(user, requestId);
    expect(after.request).toMatchObject({ status: 'failed', error: { code: 'INTERNAL' } });
    expect(after.answer).toMatchObject({ status: 'error', content: '' });
    expect(after.active).toBe(0);
    expect(await db.collection('messages').countDocuments({ status: 'streaming' })).toBe(0);
  });
});

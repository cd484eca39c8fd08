import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from '../support/stack';
import { eventually } from '../support/env';

/** Issue 5's live sidebar, over real WebSockets through the gateway. */
describe('live sidebar', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gateways: 2 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('pushes thread.upserted with the new name to every open socket of the owner, and to no one else, when a Sidekiq is renamed', async () => {
    const alice = `alice-${randomUUID()}`;
    const bob = `bob-${randomUUID()}`;
    const sidekiq = (await stack.api(alice, 'POST', '/api/sidekiqs', { name: 'Old Name', instructions: 'x' })).body;
    const aliceA = await stack.connect(alice, 0);
    const aliceB = await stack.connect(alice, 1); // the same user on the other gateway instance
    const bobSocket = await stack.connect(bob, 0);

    const requestId = randomUUID();
    aliceA.send({ type: 'chat.send', requestId, content: 'hello [[tokens:3]]', sidekiqId: sidekiq.id });
    const done = await aliceA.end(requestId);
    expect(done.type).toBe('chat.done');
    // The new thread itself shows up live on both of alice's sockets.
    for (const socket of [aliceA, aliceB]) {
      await socket.waitFor((f) => f.type === 'thread.upserted' && (f.thread as { id: string }).id === done.threadId, 10_000, 'thread.upserted for the new thread');
    }

    const renamed = await stack.api(alice, 'PATCH', `/api/sidekiqs/${sidekiq.id}`, { name: 'New Name' });
    expect(renamed.status).toBe(200);
    for (const socket of [aliceA, aliceB]) {
      const frame = await socket.waitFor(
        (f) => f.type === 'thread.upserted' && (f.thread as { sidekiq?: { name: string } }).sidekiq?.name === 'New Name',
        10_000,
        'thread.upserted with the new name',
      );
      expect(frame.thread).toMatchObject({ id: done.threadId, sidekiq: { id: sidekiq.id, name: 'New Name' }, sidekiqDeleted: false });
    }

    // The list view agrees, and bob heard nothing of alice's threads.
    await eventually(() => stack.api(alice, 'GET', '/api/threads'), (r) => r.body.items[0]?.sidekiq?.name === 'New Name', 5000, 'list shows the new name');
    await new Promise((r) => setTimeout(r, 300));
    expect(bobSocket.frames.filter((f) => f.type === 'thread.upserted' || f.type === 'thread.removed')).toEqual([]);

    // Deleting the thread pushes thread.removed to alice only.
    expect((await stack.api(alice, 'DELETE', `/api/threads/${done.threadId}`)).status).toBe(204);
    await aliceB.waitFor((f) => f.type === 'thread.removed' && f.threadId === done.threadId, 10_000, 'thread.removed');
    expect(bobSocket.frames.filter((f) => f.type === 'thread.removed')).toEqual([]);
    await Promise.all([aliceA.close(), aliceB.close(), bobSocket.close()]);
  });
});

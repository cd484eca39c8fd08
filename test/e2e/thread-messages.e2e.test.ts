import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { startStack, type Stack } from '../support/stack';
import { chatTurn } from '../support/chat';
import { eventually } from '../support/env';

/** GET /api/threads/:id/messages through the gateway, and DELETE /api/threads/:id removing them. */
describe('a thread’s messages over REST', () => {
  let stack: Stack;
  let db: mongoose.Connection;
  beforeAll(async () => {
    stack = await startStack({ modelTokensPerSecond: 0 });
    db = await mongoose.createConnection(process.env.MONGO_URL!, { dbName: stack.chatDb }).asPromise();
  });
  afterAll(async () => {
    await db?.close();
    await stack?.close();
  });

  it('lists the messages oldest first and pages back with `before`', async () => {
    const user = `u-${randomUUID()}`;
    const client = await stack.connect(user);
    const first = await chatTurn(client, { content: 'q1 [[tokens:2]]' });
    const threadId = first.started.threadId;
    const texts = [first.text];
    for (const q of ['q2', 'q3']) texts.push((await chatTurn(client, { content: `${q} [[tokens:2]]`, threadId })).text);

    const all = await stack.api(user, 'GET', `/api/threads/${threadId}/messages`);
    expect(all.status).toBe(200);
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.items.map((m: any) => [m.role, m.content])).toEqual([
      ['user', 'q1 [[tokens:2]]'], ['assistant', texts[0]],
      ['user', 'q2 [[tokens:2]]'], ['assistant', texts[1]],
      ['user', 'q3 [[tokens:2]]'], ['assistant', texts[2]],
    ]);
    for (const m of all.body.items) expect(m).toEqual({ id: expect.any(String), role: m.role, content: m.content, status: 'complete', createdAt: expect.any(String) });

    const newest = await stack.api(user, 'GET', `/api/threads/${threadId}/messages?limit=4`);
    expect(newest.body.items.map((m: any) => m.id)).toEqual(all.body.items.slice(2).map((m: any) => m.id));
    expect(newest.body.nextCursor).toBe(all.body.items[2].id);
    const older = await stack.api(user, 'GET', `/api/threads/${threadId}/messages?limit=4&before=${newest.body.nextCursor}`);
    expect(older.body.items.map((m: any) => m.id)).toEqual(all.body.items.slice(0, 2).map((m: any) => m.id));
    expect(older.body.nextCursor).toBeNull();
  });

  it('answers 404 THREAD_NOT_FOUND for a foreign thread and a missing one alike', async () => {
    const owner = `u-${randomUUID()}`;
    const turn = await chatTurn(await stack.connect(owner), { content: 'mine [[tokens:2]]' });
    const stranger = `u-${randomUUID()}`;
    const foreign = await stack.api(stranger, 'GET', `/api/threads/${turn.started.threadId}/messages`);
    const missing = await stack.api(stranger, 'GET', `/api/threads/${randomUUID()}/messages`);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ error: { code: 'THREAD_NOT_FOUND', message: expect.any(String), details: null } });
    expect(missing).toEqual(foreign);
    const badCursor = await stack.api(owner, 'GET', `/api/threads/${turn.started.threadId}/messages?before=${randomUUID()}`);
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'before' })] });
  });

  it('DELETE /api/threads/:id removes the thread’s messages (ThreadDeleted consumed by chat)', async () => {
    const user = `u-${randomUUID()}`;
    const client = await stack.connect(user);
    const kept = await chatTurn(client, { content: 'keep me [[tokens:2]]' });
    const doomed = await chatTurn(client, { content: 'delete me [[tokens:2]]' });
    const threadId = doomed.started.threadId;
    await eventually(() => stack.api(user, 'GET', `/api/threads/${threadId}`), (r) => r.status === 200, 10_000, 'thread in the list view');
    const messages = db.collection('messages');
    expect(await messages.countDocuments({ threadId })).toBe(2);

    expect((await stack.api(user, 'DELETE', `/api/threads/${threadId}`)).status).toBe(204);
    await eventually(() => messages.countDocuments({ threadId }), (n) => n === 0, 10_000, 'messages removed');
    await eventually(() => stack.api(user, 'GET', `/api/threads/${threadId}/messages`), (r) => r.status === 404, 10_000, 'history gone');
    expect(await db.collection('threads').countDocuments({ _id: threadId as never })).toBe(0);
    // Other threads are untouched.
    expect((await stack.api(user, 'GET', `/api/threads/${kept.started.threadId}/messages`)).body.items).toHaveLength(2);
  });
});

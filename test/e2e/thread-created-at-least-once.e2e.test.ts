import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from '../support/stack';
import { chatTurn, createSidekiq } from '../support/chat';
import { eventually } from '../support/env';

/** A crash between the database write and the publish still ends with ThreadCreated consumed downstream. */
describe('ThreadCreated is published at least once', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ chats: 0 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('when the chat instance dies right after writing the thread, another instance’s outbox sweep publishes it', async () => {
    const user = `u-${randomUUID()}`;
    const sidekiq = await createSidekiq(stack, user, { name: 'Survivor' });
    // This instance "dies" between write and publish: the fast path never publishes, and its own sweep never runs.
    const doomed = await stack.startChat({ OUTBOX_SWEEP_MS: 600_000 }, { faults: { beforeFastPublish: async () => { throw new Error('crash'); } } });
    const client = await stack.connect(user);
    const turn = await chatTurn(client, { content: 'outbox [[tokens:3]]', sidekiqId: sidekiq.id });
    expect(turn.end).toMatchObject({ type: 'chat.done' });
    await doomed.close();
    await new Promise((r) => setTimeout(r, 700));
    expect((await stack.api(user, 'GET', '/api/threads')).body.items).toEqual([]);
    expect((await stack.api(user, 'GET', `/api/sidekiqs/${sidekiq.id}`)).body.threadCount).toBe(0);

    await stack.startChat();
    const threads = await eventually(() => stack.api(user, 'GET', '/api/threads'), (r) => r.body.items?.length === 1, 10_000, 'thread in the list');
    expect(threads.body.items[0]).toMatchObject({ id: turn.started.threadId, sidekiq: { id: sidekiq.id, name: 'Survivor' } });
    const after = await eventually(() => stack.api(user, 'GET', `/api/sidekiqs/${sidekiq.id}`), (r) => r.body.threadCount === 1, 10_000, 'threadCount 1');
    expect(after.body.lastUsedAt).not.toBeNull();
    // Sweeps keep running; the count stays at one.
    await new Promise((r) => setTimeout(r, 800));
    expect((await stack.api(user, 'GET', `/api/sidekiqs/${sidekiq.id}`)).body.threadCount).toBe(1);
  });
});

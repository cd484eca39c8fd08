import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from '../support/stack';
import { TestClient } from '../support/ws-client';
import { eventually } from '../support/env';

/** Issue 2's proof: one chat turn with a Sidekiq, end to end, over a real WebSocket. */
describe('a chat turn with a Sidekiq, end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('streams the model’s answer, sends the instructions first, and shows the thread with the Sidekiq in the list', async () => {
    const user = `alice-${randomUUID()}`;
    const created = await stack.api(user, 'POST', '/api/sidekiqs', {
      name: 'Travel Buddy',
      instructions: 'You plan trips. Answer in French.',
      avatar: { type: 'emoji', value: '🧳', color: '#112233' },
    });
    expect(created.status).toBe(201);
    const sidekiq = created.body;

    const client = await TestClient.connect(stack.gatewayUrl, await stack.token(user));
    const requestId = randomUUID();
    client.send({ type: 'chat.send', requestId, content: 'Plan a weekend in Lyon [[tokens:40]]', sidekiqId: sidekiq.id });
    const done = await client.end(requestId);
    expect(done).toMatchObject({ type: 'chat.done', finishReason: 'stop' }); // a chat.error here shows its code and message in the diff

    const started = client.of(requestId).find((f) => f.type === 'chat.started')!;
    expect(started).toMatchObject({ isNewThread: true, sidekiq: { id: sidekiq.id, name: 'Travel Buddy', avatar: { type: 'emoji', value: '🧳', color: '#112233' } } });

    // What the model server sent is exactly what the user received, deltas contiguous.
    const entry = stack.model.log.entries.find((e) => JSON.stringify(e.body?.messages).includes('Plan a weekend in Lyon'))!;
    expect(entry.finished).toBe(true);
    expect(client.textOf(requestId)).toBe(entry.sentText);
    expect(entry.sentText.length).toBeGreaterThan(0);

    // Instructions first as the system message, the user's text last.
    const messages = entry.body!.messages as Array<{ role: string; content: string }>;
    expect(messages[0]).toEqual({ role: 'system', content: 'You plan trips. Answer in French.' });
    expect(messages.at(-1)).toEqual({ role: 'user', content: 'Plan a weekend in Lyon [[tokens:40]]' });

    // The list view shows the thread with the Sidekiq's name and avatar.
    const threads = await eventually(() => stack.api(user, 'GET', '/api/threads'), (r) => r.body?.items?.length === 1, 10_000, 'thread in list');
    expect(threads.body.items[0]).toMatchObject({ id: started.threadId, sidekiq: { id: sidekiq.id, name: 'Travel Buddy', avatar: { type: 'emoji', value: '🧳' } }, sidekiqDeleted: false });

    // The Sidekiq's stats: one thread, last used now.
    const after = await eventually(() => stack.api(user, 'GET', `/api/sidekiqs/${sidekiq.id}`), (r) => r.body?.threadCount === 1, 10_000, 'threadCount 1');
    expect(after.body.lastUsedAt).not.toBeNull();

    // History holds the user message and the answer, never the instructions.
    const history = await stack.api(user, 'GET', `/api/threads/${started.threadId}/messages`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    expect(history.body.items[1]).toMatchObject({ content: entry.sentText, status: 'complete' });
    expect(JSON.stringify(history.body)).not.toContain('Answer in French');
    await client.close();
  });
});

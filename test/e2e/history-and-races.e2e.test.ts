import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from '../support/stack';
import { chatTurn, modelRequest } from '../support/chat';

/** Findings of the second break-it review, kept fixed. */
describe('history and start-up races', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gateways: 2 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('keeps every finished turn in the history, even when turns of one thread run at once', async () => {
    const user = `u-${randomUUID()}`;
    const client = await stack.connect(user);
    const first = await chatTurn(client, { content: 'C0.0 [[tokens:2]]' });
    const threadId = first.started.threadId as string;
    for (let round = 1; round <= 5; round++) {
      await Promise.all([0, 1, 2].map((i) => chatTurn(client, { content: `C${round}.${i} [[tokens:2]]`, threadId })));
    }
    await chatTurn(client, { content: 'CEND [[tokens:2]]', threadId });
    const sent = modelRequest(stack, 'CEND').messages.filter((m) => m.role === 'user').map((m) => m.content.split(' ')[0]);
    const expected = ['C0.0', ...[1, 2, 3, 4, 5].flatMap((r) => [0, 1, 2].map((i) => `C${r}.${i}`))];
    expect([...sent].sort()).toEqual([...expected, 'CEND'].sort());
    await client.close();
  });

  it('sends chat.started for a new thread only once the thread exists: it can be read and continued at once', async () => {
    const user = `u-${randomUUID()}`;
    const client = await stack.connect(user);
    for (let i = 0; i < 5; i++) {
      const requestId = randomUUID();
      client.send({ type: 'chat.send', requestId, content: `fresh ${i} [[tokens:2]]` });
      const started = await client.waitFor((f) => f.requestId === requestId && f.type === 'chat.started');
      const messages = await stack.api(user, 'GET', `/api/threads/${started.threadId}/messages`);
      expect(messages.status).toBe(200);
      const next = await chatTurn(client, { content: `and then ${i} [[tokens:2]]`, threadId: started.threadId as string });
      expect(next.end.type).toBe('chat.done');
      await client.end(requestId);
    }
    await client.close();
  });

  it('lets a resume that overtakes its send (another socket on the same gateway, right after) join the stream instead of killing it', async () => {
    const user = `u-${randomUUID()}`;
    const sender = await stack.connect(user, 0);
    const other = await stack.connect(user, 0); // the same gateway: an error there ends the route for both sockets
    const requestId = randomUUID();
    sender.send({ type: 'chat.send', requestId, content: 'overtaken [[tokens:20]]' });
    other.send({ type: 'chat.resume', requestId, offset: 0 });
    const [a, b] = await Promise.all([sender.end(requestId), other.end(requestId)]);
    expect(a).toMatchObject({ type: 'chat.done' });
    expect(b).toMatchObject({ type: 'chat.done' });
    const text = modelRequest(stack, 'overtaken').sentText;
    expect(sender.textOf(requestId)).toBe(text);
    expect(other.textOf(requestId)).toBe(text);
    await Promise.all([sender.close(), other.close()]);
  });
});

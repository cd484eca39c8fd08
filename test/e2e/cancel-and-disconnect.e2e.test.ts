import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from '../support/stack';
import { modelRequest } from '../support/chat';
import { eventually } from '../support/env';

/** chat.cancel, or the user's last socket closing, aborts the model request within a second; the partial answer is kept. */
describe('cancelling a turn and leaving mid-stream', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ chatEnv: { DETACH_GRACE_MS: 500 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const history = (user: string, threadId: string) => stack.api(user, 'GET', `/api/threads/${threadId}/messages`);

  it('chat.cancel aborts the upstream request within 1 s, ends with finishReason cancelled and stores the partial answer', async () => {
    const user = `u-${randomUUID()}`;
    const client = await stack.connect(user);
    const requestId = randomUUID();
    client.send({ type: 'chat.send', requestId, content: 'cancel-me [[tokens:400]] [[rate:40]]' });
    await client.waitFor((f) => f.requestId === requestId && f.type === 'chat.delta' && f.offset > 0, 10_000, 'some deltas');
    const cancelledAt = Date.now();
    client.send({ type: 'chat.cancel', requestId });
    const done = await client.end(requestId, 5000);
    expect(done).toMatchObject({ type: 'chat.done', finishReason: 'cancelled' });
    const entry = await eventually(async () => modelRequest(stack, 'cancel-me'), (e) => e.aborted, 1000, 'upstream aborted');
    expect(Date.now() - cancelledAt).toBeLessThan(1500);
    expect(entry.finished).toBe(false);

    const started = client.of(requestId).find((f) => f.type === 'chat.started')!;
    const text = client.textOf(requestId);
    expect(text.length).toBeGreaterThan(0);
    expect(entry.sentText.startsWith(text)).toBe(true);
    const items = (await history(user, started.threadId as string)).body.items;
    expect(items.map((m: any) => [m.role, m.status])).toEqual([['user', 'complete'], ['assistant', 'partial']]);
    expect(items[1].content).toBe(text);
  });

  it('closing the user’s only socket mid-stream aborts the upstream request within the grace and stores the partial answer', async () => {
    const user = `u-${randomUUID()}`;
    const client = await stack.connect(user);
    const requestId = randomUUID();
    client.send({ type: 'chat.send', requestId, content: 'leave-me [[tokens:400]] [[rate:40]]' });
    const started = await client.waitFor((f) => f.requestId === requestId && f.type === 'chat.started', 10_000, 'started');
    await client.waitFor((f) => f.requestId === requestId && f.type === 'chat.delta', 10_000, 'a delta');
    const closedAt = Date.now();
    await client.close();
    const entry = await eventually(async () => modelRequest(stack, 'leave-me'), (e) => e.aborted, 2000, 'upstream aborted');
    expect(Date.now() - closedAt).toBeLessThan(1500);
    expect(entry.finished).toBe(false);
    // A streaming answer also reads as partial; the stored one has the text the turn got.
    const items = await eventually(() => history(user, started.threadId as string), (r) => r.body.items?.[1]?.status === 'partial' && r.body.items[1].content.length > 0, 5000, 'partial stored');
    expect(entry.sentText.startsWith(items.body.items[1].content)).toBe(true);
  });

  it('a second socket of the user keeps the turn alive when the first closes', async () => {
    const user = `u-${randomUUID()}`;
    const first = await stack.connect(user);
    const second = await stack.connect(user);
    const requestId = randomUUID();
    first.send({ type: 'chat.send', requestId, content: 'stay-alive [[tokens:60]] [[rate:60]]' });
    await first.waitFor((f) => f.requestId === requestId && f.type === 'chat.delta', 10_000, 'a delta');
    second.send({ type: 'chat.resume', requestId, offset: 0 });
    await second.waitFor((f) => f.requestId === requestId && f.type === 'chat.delta', 10_000, 'a delta on the second socket');
    await first.close();
    const done = await second.end(requestId);
    expect(done).toMatchObject({ type: 'chat.done', finishReason: 'stop' });
    const entry = modelRequest(stack, 'stay-alive');
    expect(entry.aborted).toBe(false);
    expect(second.textOf(requestId)).toBe(entry.sentText);
  });

  it('a cancel for someone else’s requestId does nothing', async () => {
    const owner = await stack.connect(`u-${randomUUID()}`);
    const other = await stack.connect(`u-${randomUUID()}`);
    const requestId = randomUUID();
    owner.send({ type: 'chat.send', requestId, content: 'not-yours [[tokens:30]] [[rate:100]]' });
    await owner.waitFor((f) => f.requestId === requestId && f.type === 'chat.delta', 10_000, 'a delta');
    other.send({ type: 'chat.cancel', requestId });
    expect(await owner.end(requestId)).toMatchObject({ type: 'chat.done', finishReason: 'stop' });
  });
});

import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from '../support/stack';
import { chatTurn } from '../support/chat';

/** A per-user limit on chat turns answers RATE_LIMITED; other users are not affected. */
describe('the per-user chat rate limit', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gatewayEnv: { CHAT_RATE_BURST: 2, CHAT_RATE_PER_MIN: 1 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers RATE_LIMITED (retryable) past the burst, without reaching the model', async () => {
    const user = `u-${randomUUID()}`;
    const client = await stack.connect(user);
    expect((await chatTurn(client, { content: 'one [[tokens:2]]' })).end.type).toBe('chat.done');
    expect((await chatTurn(client, { content: 'two [[tokens:2]]' })).end.type).toBe('chat.done');
    const third = await chatTurn(client, { content: 'three [[tokens:2]]' });
    expect(third.end).toMatchObject({ type: 'chat.error', code: 'RATE_LIMITED', retryable: true });
    expect(stack.model.log.entries.some((e) => JSON.stringify(e.body?.messages).includes('three'))).toBe(false);
    // Another user still chats.
    expect((await chatTurn(await stack.connect(`u-${randomUUID()}`), { content: 'other [[tokens:2]]' })).end.type).toBe('chat.done');
  });
});

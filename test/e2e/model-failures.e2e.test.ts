import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from '../support/stack';
import { chatTurn } from '../support/chat';

/** The model failing: LLM_ERROR / UPSTREAM_TIMEOUT with an honest `retryable`; the user message kept, the answer stored as error/partial. */
describe('when the model fails', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ modelTokensPerSecond: 100, chatEnv: { LLM_IDLE_TIMEOUT_MS: 700 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it.each([
    ['answers 500', 'fail500 [[fail:500]]', { code: 'LLM_ERROR', retryable: true }, 'error'],
    ['answers 429', 'fail429 [[fail:429]]', { code: 'LLM_ERROR', retryable: true }, 'error'],
    ['answers 400', 'fail400 [[fail:400]]', { code: 'LLM_ERROR', retryable: false }, 'error'],
    ['cuts the stream', 'cut-it [[tokens:50]] [[cut:5]]', { code: 'LLM_ERROR', retryable: true }, 'partial'],
    ['hangs', 'hang-it [[hang]]', { code: 'UPSTREAM_TIMEOUT', retryable: true }, 'error'],
    ['stalls after some tokens', 'stall-it [[tokens:3]] [[first:0]] [[cut:0]]', { code: 'LLM_ERROR', retryable: true }, 'error'],
  ])('that %s gives chat.error with an honest retryable and stores what it got', async (_what, content, expected, status) => {
    const user = `u-${randomUUID()}`;
    const client = await stack.connect(user);
    const turn = await chatTurn(client, { content });
    expect(turn.end).toMatchObject({ type: 'chat.error', ...expected });
    expect(turn.started).toBeDefined();
    const items = (await stack.api(user, 'GET', `/api/threads/${turn.started.threadId}/messages`)).body.items;
    expect(items.map((m: any) => [m.role, m.status])).toEqual([['user', 'complete'], ['assistant', status]]);
    expect(items[0].content).toBe(content);
    expect(items[1].content).toBe(turn.text);
    if (status === 'partial') expect(turn.text.length).toBeGreaterThan(0);
    // A resend replays the same outcome rather than calling the model again.
    const again = await chatTurn(await stack.connect(user), { content, requestId: turn.requestId });
    expect(again.end).toEqual(turn.end);
  });

  it('a hang after the first tokens is UPSTREAM_TIMEOUT with the partial answer kept', async () => {
    const user = `u-${randomUUID()}`;
    const client = await stack.connect(user);
    // 3 tokens, then a first-token delay longer than the idle bound would not apply; use a slow rate instead.
    const turn = await chatTurn(client, { content: 'slow-then-stall [[tokens:5]] [[rate:1]]' });
    expect(turn.end).toMatchObject({ type: 'chat.error', code: 'UPSTREAM_TIMEOUT', retryable: true });
    const items = (await stack.api(user, 'GET', `/api/threads/${turn.started.threadId}/messages`)).body.items;
    expect(items[1]).toMatchObject({ role: 'assistant', status: 'partial', content: turn.text });
    expect(turn.text.length).toBeGreaterThan(0);
  });
});

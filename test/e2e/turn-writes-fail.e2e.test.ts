import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from '../support/stack';

/** The model is called before the turn's writes land; if they fail, the user hears it at once. */
describe('a turn whose writes fail', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ chats: 0 });
    await stack.startChat({}, { faults: { beforeIntend: async () => { throw new Error('database unavailable'); } } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('ends with a retryable INTERNAL error for the sender, stops the model, and a resend replays that', async () => {
    const client = await stack.connect(`u-${randomUUID()}`);
    const requestId = randomUUID();
    const t0 = Date.now();
    client.send({ type: 'chat.send', requestId, content: 'doomed [[tokens:200]] [[rate:50]]' });
    const end = await client.end(requestId, 5000);
    expect(end).toMatchObject({ type: 'chat.error', code: 'INTERNAL', retryable: true });
    expect(Date.now() - t0).toBeLessThan(3000);
    // The model request was cut short rather than generated for nobody.
    // (It may not even have been sent: the writes can fail before the SDK connects.)
    const entry = stack.model.log.entries.find((e) => JSON.stringify(e.body?.messages ?? '').includes('doomed'));
    expect(entry === undefined || (!entry.finished && entry.sentText.length < 200 * 3)).toBe(true);

    // The same requestId again: the stored failure, not a second turn.
    client.send({ type: 'chat.send', requestId, content: 'doomed [[tokens:200]] [[rate:50]]' });
    const replayed = await client.waitFor((f) => f.requestId === requestId && f.type === 'chat.error' && f !== end, 5000, 'the replayed error');
    expect(replayed).toMatchObject({ code: 'INTERNAL', retryable: true });
    await client.close();
  });
});

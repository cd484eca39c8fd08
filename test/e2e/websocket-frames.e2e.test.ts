import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from '../support/stack';
import { TestClient } from '../support/ws-client';

/** SPEC's frame rules: size limit, malformed frames, invalid fields. */
describe('WebSocket frames', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a frame over 64 KiB closes the socket with 1009', async () => {
    const client = await stack.connect(`u-${randomUUID()}`);
    client.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(64 * 1024) }));
    await expect(client.waitFor(() => false, 5000, 'close')).rejects.toThrow(/socket closed \(1009\)/);
    expect(client.closeCode).toBe(1009);
  });

  it('a frame of exactly 64 KiB is accepted', async () => {
    const client = await stack.connect(`u-${randomUUID()}`);
    const frame = JSON.stringify({ type: 'ping', pad: '' });
    client.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(64 * 1024 - frame.length) }));
    // Unknown keys on a ping are tolerated or named; either way the socket stays open.
    await client.waitFor((f) => f.type === 'pong' || f.type === 'chat.error', 5000, 'an answer');
    expect(client.closeCode).toBeUndefined();
  });

  it('invalid JSON and an unknown type answer BAD_FRAME and the socket stays usable', async () => {
    const client = await stack.connect(`u-${randomUUID()}`);
    client.send('{not json');
    client.send({ type: 'chat.teleport', requestId: randomUUID() });
    client.send('[1,2]');
    client.send({ type: 'ping' });
    await client.waitFor((f) => f.type === 'pong', 5000, 'pong');
    const errors = client.frames.filter((f) => f.type === 'error');
    expect(errors).toHaveLength(3);
    for (const e of errors) expect(e).toMatchObject({ type: 'error', code: 'BAD_FRAME', message: expect.any(String) });
    expect(errors[1]!.message).toContain('chat.teleport');
    expect(client.closeCode).toBeUndefined();
  });

  it('binary frames answer BAD_FRAME and the socket stays usable', async () => {
    const client = await stack.connect(`u-${randomUUID()}`);
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await client.waitFor((f) => f.type === 'error', 5000, 'BAD_FRAME');
    client.send({ type: 'ping' });
    await client.waitFor((f) => f.type === 'pong', 5000, 'pong');
  });

  it.each([
    ['empty content', { content: '' }, 'content'],
    ['content over 32,000 characters', { content: 'x'.repeat(32_001) }, 'content'],
    ['a threadId that is not a string', { content: 'hi', threadId: 42 }, 'threadId'],
    ['a sidekiqId that is not a string', { content: 'hi', sidekiqId: { $ne: null } }, 'sidekiqId'],
  ])('chat.send with %s answers VALIDATION_FAILED naming the field', async (_what, fields, field) => {
    const client = await stack.connect(`u-${randomUUID()}`);
    const requestId = randomUUID();
    client.send({ type: 'chat.send', requestId, ...fields });
    const error = await client.end(requestId, 5000);
    expect(error).toMatchObject({ type: 'chat.error', requestId, code: 'VALIDATION_FAILED', retryable: false });
    expect(error.message).toContain(field);
    expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    client.send({ type: 'ping' });
    await client.waitFor((f) => f.type === 'pong', 5000, 'pong');
  });

  it('a requestId that is not a UUID and a negative resume offset are named too', async () => {
    const client = await stack.connect(`u-${randomUUID()}`);
    client.send({ type: 'chat.send', requestId: 'not-a-uuid', content: 'hi' });
    const bad = await client.waitFor((f) => f.type === 'chat.error' && f.requestId === 'not-a-uuid', 5000, 'error');
    expect(bad).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(bad.message).toContain('requestId');
    const requestId = randomUUID();
    client.send({ type: 'chat.resume', requestId, offset: -1 });
    const resume = await client.end(requestId, 5000);
    expect(resume).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(resume.message).toContain('offset');
    // Nothing was sent to the model for any of them.
    expect(stack.model.log.size).toBe(0);
  });
});

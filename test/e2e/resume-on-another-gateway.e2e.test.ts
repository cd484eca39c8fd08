import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from '../support/stack';
import { modelRequest } from '../support/chat';

/** After a disconnect, chat.resume on any gateway replays from the offset, then streams live. */
describe('resuming a stream on another gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gateways: 2, chats: 2, chatEnv: { DETACH_GRACE_MS: 1500 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('replays from the offset and continues live; the whole text equals what the model sent', async () => {
    const user = `u-${randomUUID()}`;
    const before = await stack.connect(user, 0);
    const requestId = randomUUID();
    before.send({ type: 'chat.send', requestId, content: 'resume-me [[tokens:120]] [[rate:60]]' });
    await before.waitFor((f) => f.requestId === requestId && f.type === 'chat.delta' && (f.offset as number) > 20, 10_000, 'some text');
    await before.close();
    const had = before.textOf(requestId);

    const after = await stack.connect(user, 1);
    after.send({ type: 'chat.resume', requestId, offset: had.length });
    const done = await after.end(requestId);
    expect(done).toMatchObject({ type: 'chat.done', finishReason: 'stop' });
    const frames = after.of(requestId);
    expect(frames[0]).toMatchObject({ type: 'chat.started', requestId });
    const deltas = frames.filter((f) => f.type === 'chat.delta');
    expect(deltas[0]!.offset).toBe(had.length);
    let text = had;
    for (const d of deltas) {
      expect(d.offset).toBe(text.length);
      text += d.delta;
    }
    const entry = modelRequest(stack, 'resume-me');
    expect(entry.aborted).toBe(false);
    expect(text).toBe(entry.sentText);
    // Live deltas followed the replay: more than one delta frame after the resume.
    expect(deltas.length).toBeGreaterThan(1);
  });

  it('a resume after the end replays the stored answer from the offset', async () => {
    const user = `u-${randomUUID()}`;
    const first = await stack.connect(user, 0);
    const requestId = randomUUID();
    first.send({ type: 'chat.send', requestId, content: 'resume-late [[tokens:30]] [[rate:0]]' });
    await first.end(requestId);
    const full = first.textOf(requestId);
    const later = await stack.connect(user, 1);
    later.send({ type: 'chat.resume', requestId, offset: 10 });
    expect(await later.end(requestId)).toMatchObject({ type: 'chat.done', finishReason: 'stop' });
    expect(later.of(requestId).filter((f) => f.type === 'chat.delta').map((f) => [f.offset, f.delta])).toEqual([[10, full.slice(10)]]);
  });

  it('resuming a requestId the user never sent answers an error, not someone else’s answer', async () => {
    const owner = await stack.connect(`u-${randomUUID()}`, 0);
    const requestId = randomUUID();
    owner.send({ type: 'chat.send', requestId, content: 'private-answer [[tokens:5]]' });
    await owner.end(requestId);
    const thief = await stack.connect(`u-${randomUUID()}`, 1);
    thief.send({ type: 'chat.resume', requestId, offset: 0 });
    const end = await thief.end(requestId);
    expect(end.type).toBe('chat.error');
    expect(thief.frames.some((f) => f.type === 'chat.delta' || f.type === 'chat.started')).toBe(false);
  });
});

import type { ServerFrame } from '@sidekiq/shared';
import { Sessions, type ClientSocket } from './sessions';

const socket = (userId: string) => {
  const got: ServerFrame[] = [];
  const s: ClientSocket & { got: ServerFrame[] } = { userId, got, send: (f) => got.push(f) };
  return s;
};
const delta = (requestId: string, offset: number, text: string) => ({ type: 'chat.delta' as const, requestId, threadId: 't', messageId: 'm', offset, delta: text });

describe('Sessions', () => {
  it('delivers a request’s frames only to the sockets listening to it, and only for their user', () => {
    const sessions = new Sessions();
    const a = socket('alice');
    const a2 = socket('alice');
    const b = socket('bob');
    [a, a2, b].forEach((s) => sessions.open(s));
    sessions.listen(a, 'r1', 10_000, () => undefined);
    sessions.listen(b, 'r1', 10_000, () => undefined); // bob guessed alice's requestId
    sessions.deliver('alice', [delta('r1', 0, 'hi')]);
    expect(a.got).toHaveLength(1);
    expect(a2.got).toHaveLength(0);
    expect(b.got).toHaveLength(0);
    sessions.close(a);
    sessions.close(a2);
    sessions.close(b);
  });

  it('times out a request that gets no frame, and not one that does', async () => {
    const sessions = new Sessions();
    const a = socket('alice');
    sessions.open(a);
    let timedOut: string[] = [];
    sessions.listen(a, 'slow', 20, () => (timedOut = [...timedOut, 'slow']));
    sessions.listen(a, 'fast', 20, () => (timedOut = [...timedOut, 'fast']));
    sessions.deliver('alice', [delta('fast', 0, 'x')]);
    await new Promise((r) => setTimeout(r, 40));
    expect(timedOut).toEqual(['slow']);
    sessions.close(a);
  });

  it('reports the requests left without listeners when a socket closes', () => {
    const sessions = new Sessions();
    const a = socket('alice');
    const a2 = socket('alice');
    sessions.open(a);
    sessions.open(a2);
    sessions.listen(a, 'r1', 10_000, () => undefined);
    sessions.listen(a, 'r2', 10_000, () => undefined);
    sessions.listen(a2, 'r2', 10_000, () => undefined);
    expect(sessions.close(a)).toEqual([{ userId: 'alice', requestId: 'r1' }]);
    expect(sessions.close(a2)).toEqual([{ userId: 'alice', requestId: 'r2' }]);
  });

  it('gives each socket one chat.started and contiguous deltas when the chat service replays from 0', () => {
    const sessions = new Sessions();
    const first = socket('alice');
    const resent = socket('alice');
    [first, resent].forEach((s) => sessions.open(s));
    const started = { type: 'chat.started' as const, requestId: 'r', threadId: 't', messageId: 'm', userMessageId: 'u', isNewThread: true, sidekiq: null };
    sessions.listen(first, 'r', 10_000, () => undefined);
    sessions.deliver('alice', [started, delta('r', 0, 'Hello '), delta('r', 6, 'wor')]);
    sessions.listen(resent, 'r', 10_000, () => undefined);
    // The resend attaches: started and the text so far again, then live.
    sessions.deliver('alice', [started, delta('r', 0, 'Hello wor'), delta('r', 9, 'ld')]);
    const deltas = (s: typeof first) => s.got.flatMap((f) => (f.type === 'chat.delta' ? [[f.offset, f.delta]] : []));
    expect(first.got.filter((f) => f.type === 'chat.started')).toHaveLength(1);
    expect(deltas(first)).toEqual([[0, 'Hello '], [6, 'wor'], [9, 'ld']]);
    expect(deltas(resent)).toEqual([[0, 'Hello wor'], [9, 'ld']]);
    sessions.close(first);
    sessions.close(resent);
  });

  it('a resuming socket gets the answer from its offset only', () => {
    const sessions = new Sessions();
    const s = socket('alice');
    sessions.open(s);
    sessions.listen(s, 'r', 10_000, () => undefined, 4);
    sessions.deliver('alice', [delta('r', 2, 'llo world')]);
    expect(s.got).toEqual([delta('r', 4, 'o world')]);
    sessions.close(s);
  });
});

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
});

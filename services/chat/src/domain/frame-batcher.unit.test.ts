import type { StreamFrame } from '@sidekiq/shared';
import { batchingFrameSink } from './frame-batcher';

const delta = (requestId: string, offset: number, text: string): StreamFrame => ({ type: 'chat.delta', requestId, threadId: 't', messageId: 'm', offset, delta: text });
const tick = () => new Promise((r) => setImmediate(r));

describe('batchingFrameSink', () => {
  it('sends deltas of one loop iteration for one queue as one message, in order', async () => {
    const sent: Array<[string, unknown]> = [];
    const sink = batchingFrameSink((q, b) => sent.push([q, JSON.parse(b.toString())]));
    sink.send('gw1', 'u1', [delta('r1', 0, 'a ')]);
    sink.send('gw1', 'u2', [delta('r2', 0, 'x ')]);
    sink.send('gw2', 'u3', [delta('r3', 0, 'y ')]);
    sink.send('gw1', 'u1', [delta('r1', 2, 'b ')]);
    expect(sent).toEqual([]);
    await tick();
    expect(sent).toEqual([
      ['gw1', [{ userId: 'u1', frames: [delta('r1', 0, 'a ')] }, { userId: 'u2', frames: [delta('r2', 0, 'x ')] }, { userId: 'u1', frames: [delta('r1', 2, 'b ')] }]],
      // A batch of one is the plain envelope.
      ['gw2', { userId: 'u3', frames: [delta('r3', 0, 'y ')] }],
    ]);
  });

  it('flushes pending deltas before a started/done/error frame, which goes out at once', async () => {
    const sent: unknown[] = [];
    const sink = batchingFrameSink((_q, b) => sent.push(JSON.parse(b.toString())));
    sink.send('gw1', 'u1', [delta('r1', 0, 'a ')]);
    const done: StreamFrame = { type: 'chat.done', requestId: 'r1', threadId: 't', messageId: 'm', finishReason: 'stop', usage: null };
    sink.send('gw1', 'u1', [done]);
    expect(sent).toEqual([{ userId: 'u1', frames: [delta('r1', 0, 'a ')] }, { userId: 'u1', frames: [done] }]);
    await tick();
    expect(sent).toHaveLength(2);
  });
});

import type { StreamFrame } from '@sidekiq/shared';
import { ActiveTurn, type FrameSink } from './active-turn';

const identity = { key: 'u:r', requestId: 'r', userId: 'u', threadId: 't', messageId: 'm', userMessageId: 'um', isNewThread: true, sidekiq: null };

function recordingSink() {
  const sent: Array<{ replyTo: string; frames: StreamFrame[] }> = [];
  const sink: FrameSink = { send: (replyTo, _userId, frames) => sent.push({ replyTo, frames }) };
  return { sent, sink };
}

describe('ActiveTurn', () => {
  it('sends the first delta at once and coalesces the following ones into contiguous frames', () => {
    let now = 1000;
    const { sent, sink } = recordingSink();
    const turn = new ActiveTurn(identity, sink, 50, 500, () => now);
    turn.attach('g1', 0);
    turn.append('Hel');
    turn.append('lo ');
    turn.append('world');
    now += 60;
    turn.flush();
    const deltas = sent.flatMap((s) => s.frames).filter((f) => f.type === 'chat.delta');
    expect(deltas.map((d) => [d.offset, d.delta])).toEqual([
      [0, 'Hel'],
      [3, 'lo world'],
    ]);
  });

  it('replays from the offset to a gateway that attaches late, then streams live to both', () => {
    const { sent, sink } = recordingSink();
    const turn = new ActiveTurn(identity, sink, 0, 500);
    turn.attach('g1', 0);
    turn.append('abcdef');
    turn.attach('g2', 2);
    turn.append('gh');
    const g2 = sent.filter((s) => s.replyTo === 'g2').flatMap((s) => s.frames);
    expect(g2.map((f) => f.type)).toEqual(['chat.started', 'chat.delta', 'chat.delta']);
    expect(g2.filter((f) => f.type === 'chat.delta').map((f) => (f.type === 'chat.delta' ? [f.offset, f.delta] : null))).toEqual([
      [2, 'cdef'],
      [6, 'gh'],
    ]);
  });

  it('cancels itself when the last gateway detaches and none returns within the grace', async () => {
    const { sink } = recordingSink();
    const turn = new ActiveTurn(identity, sink, 0, 20);
    turn.attach('g1', 0);
    turn.detach('g1');
    await new Promise((r) => setTimeout(r, 50));
    expect(turn.cancelled).toBe(true);
    expect(turn.controller.signal.aborted).toBe(true);
  });

  it('keeps running when a gateway re-attaches within the grace', async () => {
    const { sink } = recordingSink();
    const turn = new ActiveTurn(identity, sink, 0, 50);
    turn.attach('g1', 0);
    turn.detach('g1');
    turn.attach('g2', 0);
    await new Promise((r) => setTimeout(r, 80));
    expect(turn.cancelled).toBe(false);
  });
});

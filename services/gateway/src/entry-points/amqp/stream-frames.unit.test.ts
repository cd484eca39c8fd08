import { streamEnvelopeSchema } from '@sidekiq/shared';
import { deltaEnvelope } from './stream-frames';

const frame = { type: 'chat.delta', requestId: 'r', threadId: 't', messageId: 'm', offset: 3, delta: 'hi ' };

describe('deltaEnvelope (the hand-checked fast path)', () => {
  it('accepts exactly what the schema accepts for delta-only envelopes, unknown keys dropped', () => {
    const good = { userId: 'u', frames: [{ ...frame, extra: 1 }, { ...frame, offset: 6 }] };
    expect(deltaEnvelope(good)).toEqual(streamEnvelopeSchema.parse(good));
  });

  it.each([
    ['no frames', { userId: 'u', frames: [] }],
    ['missing userId', { frames: [frame] }],
    ['long userId', { userId: 'x'.repeat(129), frames: [frame] }],
    ['negative offset', { userId: 'u', frames: [{ ...frame, offset: -1 }] }],
    ['fractional offset', { userId: 'u', frames: [{ ...frame, offset: 1.5 }] }],
    ['offset as string', { userId: 'u', frames: [{ ...frame, offset: '3' }] }],
    ['delta not a string', { userId: 'u', frames: [{ ...frame, delta: 3 }] }],
    ['empty threadId', { userId: 'u', frames: [{ ...frame, threadId: '' }] }],
    ['a non-delta frame', { userId: 'u', frames: [frame, { type: 'chat.done', requestId: 'r', threadId: 't', messageId: 'm', finishReason: 'stop', usage: null }] }],
    ['not an object', 'nope'],
    ['null', null],
  ])('falls back to the schema for %s', (_what, value) => {
    expect(deltaEnvelope(value)).toBeUndefined();
  });
});

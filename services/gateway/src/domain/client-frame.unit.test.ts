import { parseClientFrame } from './client-frame';

describe('parseClientFrame', () => {
  it('calls non-JSON, non-objects and unknown types bad frames', () => {
    expect(parseClientFrame('{nope')).toMatchObject({ ok: false, kind: 'bad-frame' });
    expect(parseClientFrame('[1]')).toMatchObject({ ok: false, kind: 'bad-frame' });
    expect(parseClientFrame('{"type":"chat.explode"}')).toMatchObject({ ok: false, kind: 'bad-frame' });
  });

  it('names the invalid field of a known frame', () => {
    const r = parseClientFrame(JSON.stringify({ type: 'chat.send', requestId: '6f1c2f44-4a43-4d1e-9a49-2a4f6f6b1a11', content: '' }));
    expect(r).toMatchObject({ ok: false, kind: 'invalid', type: 'chat.send', requestId: '6f1c2f44-4a43-4d1e-9a49-2a4f6f6b1a11' });
    expect(r.ok === false && r.kind === 'invalid' && r.details.map((d) => d.field)).toEqual(['content']);
  });

  it('accepts a valid chat.send', () => {
    const r = parseClientFrame(JSON.stringify({ type: 'chat.send', requestId: '6f1c2f44-4a43-4d1e-9a49-2a4f6f6b1a11', content: 'hi', sidekiqId: 'abc' }));
    expect(r).toEqual({ ok: true, frame: { type: 'chat.send', requestId: '6f1c2f44-4a43-4d1e-9a49-2a4f6f6b1a11', content: 'hi', sidekiqId: 'abc' } });
  });
});

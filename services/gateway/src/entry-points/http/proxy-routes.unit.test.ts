import { upstreamFor } from './proxy-routes';

const upstreams = { sidekiq: 'http://s', thread: 'http://t', chat: 'http://c' };

describe('upstreamFor', () => {
  it('routes Sidekiqs to the sidekiq service', () => {
    expect(upstreamFor('/api/sidekiqs', upstreams)).toBe('http://s');
    expect(upstreamFor('/api/sidekiqs/abc', upstreams)).toBe('http://s');
  });
  it('routes a thread’s messages to the chat service and the rest of threads to the thread service', () => {
    expect(upstreamFor('/api/threads/abc/messages', upstreams)).toBe('http://c');
    expect(upstreamFor('/api/threads/abc', upstreams)).toBe('http://t');
    expect(upstreamFor('/api/threads', upstreams)).toBe('http://t');
  });
  it('knows no other path', () => {
    expect(upstreamFor('/api/sidekiqsx', upstreams)).toBeUndefined();
    expect(upstreamFor('/api/users', upstreams)).toBeUndefined();
  });
});

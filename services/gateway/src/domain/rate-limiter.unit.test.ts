import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows the burst, refuses the next, and refills at the rate', () => {
    let now = 0;
    const limiter = new RateLimiter(60, 3, () => now);
    expect([limiter.take('u'), limiter.take('u'), limiter.take('u'), limiter.take('u')]).toEqual([true, true, true, false]);
    now += 1000; // 60/min = one token a second
    expect(limiter.take('u')).toBe(true);
    expect(limiter.take('u')).toBe(false);
  });

  it('keeps users apart', () => {
    const limiter = new RateLimiter(1, 1, () => 0);
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('a')).toBe(false);
    expect(limiter.take('b')).toBe(true);
  });
});

/**
 * A token bucket per key: `ratePerMin` tokens a minute, at most `burst` saved up. In memory per
 * gateway instance: with N instances behind a balancer a user gets at most N times the rate.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerMin: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a token; false when the key is over its rate. */
  take(key: string): boolean {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) * this.ratePerMin) / 60_000);
    b.at = t;
    if (this.buckets.size > 100_000) this.prune(t);
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return false;
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    return true;
  }

  /** Full buckets carry no information: forget them. */
  private prune(t: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + ((t - b.at) * this.ratePerMin) / 60_000 >= this.burst) this.buckets.delete(k);
  }
}

import { ActorGridError } from '../errors';

/** Forget a client's bucket after it has been full and idle this long. */
const IDLE_MS = 60_000;

/**
 * A token bucket per client: `perSecond` requests a second, bursts of twice that. One budget for a
 * client over every transport (HTTP, WebSocket frames, SSE), kept by the dispatcher. Over it a
 * request fails with RATE_LIMITED (retryable: clients back off and retry).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly burst: number;
  private sweptAt = Date.now();

  constructor(private readonly perSecond: number) {
    this.burst = perSecond * 2;
  }

  /** Takes one token for `client`. @throws RATE_LIMITED */
  take(client: string): void {
    const now = Date.now();
    const bucket = this.buckets.get(client) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(client, bucket);
    if (now - this.sweptAt > IDLE_MS) this.sweep(now);
    if (bucket.tokens < 1) {
      throw new ActorGridError('RATE_LIMITED', `more than ${this.perSecond} requests per second (bursts of ${this.burst}); retry later`, { retryAfterMs: Math.ceil(((1 - bucket.tokens) / this.perSecond) * 1000) });
    }
    bucket.tokens -= 1;
  }

  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [client, b] of this.buckets) if (now - b.at > IDLE_MS) this.buckets.delete(client);
  }
}

/** A per-key token bucket: `ratePerSecond` refill, `burst` capacity. Idle keys are forgotten once full again. */
export interface RateLimiter {
  /** Takes one token for `key`; returns 0 when allowed, else the seconds until one is available. */
  take(key: string, nowMs?: number): number;
  readonly size: number;
}

/**
 * In this process only: behind a Service, each replica limits what reaches it (deploy/ pins an agent's connections
 * to one replica with ClientIP session affinity, so per replica is per agent). Pure apart from its own state.
 */
export function createRateLimiter(opts: { ratePerSecond: number; burst: number; maxKeys?: number }): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const maxKeys = opts.maxKeys ?? 100_000;
  const refill = (b: { tokens: number; at: number }, now: number): void => {
    b.tokens = Math.min(opts.burst, b.tokens + ((now - b.at) / 1000) * opts.ratePerSecond);
    b.at = now;
  };
  const sweep = (now: number): void => {
    for (const [k, b] of buckets) {
      refill(b, now);
      if (b.tokens >= opts.burst) buckets.delete(k);
    }
  };
  return {
    take(key, now = Date.now()) {
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= maxKeys) sweep(now);
        b = { tokens: opts.burst, at: now };
        buckets.set(key, b);
      }
      refill(b, now);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / opts.ratePerSecond));
    },
    get size() {
      return buckets.size;
    },
  };
}

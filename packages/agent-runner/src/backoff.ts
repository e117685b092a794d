/** Delay before retry `attempt` (0-based): 250 ms doubling to `maxMs`, with up to 20% jitter so agents spread out. Pure but for `random`. */
export function backoffMs(attempt: number, maxMs = 10_000, random: () => number = Math.random): number {
  const base = Math.min(250 * 2 ** Math.min(attempt, 16), maxMs);
  return Math.round(base * (0.8 + 0.2 * random()));
}

/** Seconds from a Retry-After header (seconds form), bounded to 1..300; undefined when absent or malformed. Pure. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header || !/^\d{1,6}$/.test(header)) return undefined;
  return Math.min(Math.max(Number(header), 1), 300) * 1000;
}

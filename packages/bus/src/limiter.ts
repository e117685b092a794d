/** A counting semaphore: at most `size` holders at once, waiters served first come, first served. */
export interface Limiter {
  /** Waits for a free place; call the returned function exactly once to give it back. */
  acquire(): Promise<() => void>;
  /** Places currently held. */
  readonly active: number;
}

/**
 * Creates a limiter shared by the consumers of one service, so that a service with several inputs still
 * handles at most `size` messages at once (its database pool is sized for that).
 * @throws RangeError when size is not a positive integer.
 */
export function createLimiter(size: number): Limiter {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`limiter size must be a positive integer, got ${size}`);
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return {
    get active() {
      return active;
    },
    acquire() {
      let released = false;
      const once = (): void => {
        if (released) return;
        released = true;
        release();
      };
      if (active < size) {
        active++;
        return Promise.resolve(once);
      }
      // The place is handed over directly by release(): active stays the same.
      return new Promise((resolve) => waiting.push(() => resolve(once)));
    },
  };
}

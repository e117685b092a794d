/** A periodic task that can be stopped: `close()` cancels the timer and waits for the pass in progress. */
export interface Periodic {
  close(): Promise<void>;
}

/**
 * Runs `pass` now and then every `intervalMs`, never two passes at once (a pass still running when the timer
 * fires is not doubled). Errors go to `onError`; the next pass is the retry.
 */
export function startPeriodic(intervalMs: number, pass: () => Promise<unknown>, onError: (err: unknown) => void): Periodic {
  let stopped = false;
  let current: Promise<unknown> | undefined;
  const tick = (): void => {
    if (stopped || current) return;
    current = pass()
      .catch(onError)
      .finally(() => (current = undefined));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return {
    async close() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}

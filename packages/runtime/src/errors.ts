/**
 * An error that retrying cannot fix (malformed input, a rule violation). The bus consumer terminates the
 * message (`term(reason)`) instead of redelivering it, and the dead-letter capture records it.
 */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Not a failure: the step is waiting for the world (a certificate, a rollout) and asks to be called again after
 * `delayMs`. The bus consumer hands the message back (`nak(delayMs)`) instead of sleeping while holding it, so a
 * wait survives a restart and never blocks a shutdown; the handler decides when waiting has lasted too long.
 */
export class RetryAfter extends Error {
  override readonly name = 'RetryAfter';
  constructor(
    readonly delayMs: number,
    message: string,
  ) {
    super(message);
  }
}

/** Renders any thrown value as a one-line message without stack or secrets. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}

/** The shortest hand-back of a wait (lookAgainIn): below this a redelivery costs more than it saves. */
export const MIN_LOOK_AGAIN_MS = 100;

/**
 * How soon to look again at something that has been pending for `pendingMs` (pure): a quarter of the time waited
 * so far, between MIN_LOOK_AGAIN_MS and `maxMs`. A wait that ends quickly is noticed within a quarter of its length
 * (a Job done in 1.2 s is seen by ~1.5 s, not at the next whole poll interval), a long rollout is looked at only
 * every `maxMs`: the overshoot stays proportional while the number of looks grows with the logarithm of the wait.
 */
export function lookAgainIn(pendingMs: number, maxMs: number): number {
  return Math.round(Math.min(maxMs, Math.max(MIN_LOOK_AGAIN_MS, pendingMs / 4)));
}

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

/** Renders any thrown value as a one-line message without stack or secrets. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}

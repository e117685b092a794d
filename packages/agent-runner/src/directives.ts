/** A line the agent command prints to talk to the platform (GitHub Actions' `::command::` style). */
export type Directive = { type: 'status'; message: string } | { type: 'ready'; message: string | null };

/**
 * The directive of one stdout line, or undefined for ordinary output. Pure.
 * `::codex-status:: <text>` reports a status line; `::codex-ready::` (optionally with a note) reports ready.
 */
export function directiveOf(line: string): Directive | undefined {
  const m = /^::codex-(status|ready)::\s?(.*)$/.exec(line.replace(/\r$/, ''));
  if (!m) return undefined;
  const text = (m[2] ?? '').trim().slice(0, 2_000);
  if (m[1] === 'status') return text ? { type: 'status', message: text } : undefined;
  return { type: 'ready', message: text || null };
}

/** Splits streamed text into whole lines, keeping the unfinished end for the next piece. */
export class LineSplitter {
  private rest = '';

  /** The whole lines completed by `text`. */
  push(text: string): string[] {
    const parts = (this.rest + text).split('\n');
    this.rest = parts.pop() ?? '';
    // A line longer than anything a directive needs is ordinary output: do not hold it.
    if (this.rest.length > 4_096) this.rest = '';
    return parts;
  }

  /** The unfinished last line, if any. */
  end(): string[] {
    const last = this.rest;
    this.rest = '';
    return last ? [last] : [];
  }
}

import type { SendResult } from './client.js';

/** One chunk of output waiting to be sent (or being sent). */
export interface Chunk {
  readonly seq: number;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export interface LogShipperOptions {
  /** Sends one chunk (retrying inside); resolves when it is stored or refused for good. */
  readonly send: (c: Chunk) => Promise<SendResult>;
  /** A chunk is cut at this many bytes of text (the gateway's chunk limit, with room to spare). */
  readonly maxChunkBytes: number;
  /** Output is sent at least this often while it flows. */
  readonly flushMs: number;
  readonly warn: (line: string) => void;
}

/**
 * Streams the agent's output as numbered chunks, in order, one request at a time: output is buffered per stream and
 * cut into a chunk when it is large or old enough; chunks wait in a queue until the gateway stored them (a chunk
 * sent twice is stored once, by its seq). Nothing is dropped while the gateway is away: the queue only grows
 * (the gateway's per-run log limit bounds what is worth keeping). `close()` sends the tail and waits for it.
 */
export class LogShipper {
  private seq = 0;
  private readonly pending: Chunk[] = [];
  private readonly buffers: Record<Chunk['stream'], string> = { stdout: '', stderr: '' };
  private timer: NodeJS.Timeout | undefined;
  private pump: Promise<void> | undefined;
  private lost = 0;

  constructor(private readonly o: LogShipperOptions) {}

  /** Output of the agent command. */
  write(stream: Chunk['stream'], text: string): void {
    // U+0000 is the one character Postgres cannot store: shown as U+FFFD instead of losing the chunk.
    this.buffers[stream] += text.replaceAll("\u0000", "\ufffd");
    if (Buffer.byteLength(this.buffers[stream]) >= this.o.maxChunkBytes) this.cut(stream);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.cut('stdout');
      this.cut('stderr');
    }, this.o.flushMs);
  }

  /** Chunks not yet stored (queued or in flight). */
  get backlog(): number {
    return this.pending.length;
  }

  /** Chunks the gateway refused for good (a 4xx other than 401/429): their text is only in the pod's log. */
  get refused(): number {
    return this.lost;
  }

  private cut(stream: Chunk['stream']): void {
    let rest = this.buffers[stream];
    this.buffers[stream] = '';
    while (rest) {
      const piece = sliceBytes(rest, this.o.maxChunkBytes);
      this.pending.push({ seq: this.seq++, stream, text: piece });
      rest = rest.slice(piece.length);
    }
    this.kick();
  }

  private kick(): void {
    this.pump ??= (async () => {
      for (let c = this.pending[0]; c; c = this.pending[0]) {
        const r = await this.o.send(c);
        if (!r.ok && (r.status === 0 || r.status >= 500 || r.status === 429 || r.status === 401)) {
          // Out of retry time for now: keep it first in line; the next write or close tries again.
          return;
        }
        if (!r.ok) {
          this.lost++;
          this.o.warn(`log chunk ${c.seq} refused: ${r.status} ${r.reason}`);
        }
        this.pending.shift();
      }
    })().finally(() => {
      this.pump = undefined;
    });
  }

  /** Cuts what is buffered and waits until every chunk is stored, or `deadline` (ms since epoch) passes. */
  async close(deadline: number): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.cut('stdout');
    this.cut('stderr');
    while (this.pending.length > 0 && Date.now() < deadline) {
      this.kick();
      await this.pump;
      if (this.pending.length > 0) await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The longest prefix of `s` within `maxBytes` UTF-8 bytes, never splitting a character. Pure. */
export function sliceBytes(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let lo = 0;
  let hi = Math.min(s.length, maxBytes);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (Buffer.byteLength(s.slice(0, mid)) <= maxBytes) lo = mid;
    else hi = mid - 1;
  }
  // Never end on the first half of a surrogate pair.
  const code = s.charCodeAt(lo - 1);
  return code >= 0xd800 && code <= 0xdbff ? s.slice(0, lo - 1) : s.slice(0, lo);
}

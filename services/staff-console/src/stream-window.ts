import type { EventHead } from '@codex-k8s/db';

/**
 * Which new flow events to hand out, across polls (pure state machine). Ids are given at insert but become visible at
 * commit, so an id below one already seen can still appear: every poll re-reads from `floor` (the highest id whose
 * row is older than `settleMs`, by then surely committed) and hands out only ids not handed out before.
 */
export class StreamWindow {
  private floor: bigint;
  private readonly seen = new Map<string, number>();

  constructor(start: string, private readonly settleMs = 5_000) {
    this.floor = BigInt(start);
  }

  /** Where the next read starts (exclusive). */
  get from(): string {
    return this.floor.toString();
  }

  /** The rows of one read that are new, in id order; advances the floor past rows old enough to be settled. */
  take(rows: readonly EventHead[], now = Date.now()): EventHead[] {
    const fresh: EventHead[] = [];
    for (const r of rows) {
      const id = String(r.id);
      if (!this.seen.has(id)) {
        fresh.push(r);
        this.seen.set(id, new Date(r.created_at).getTime());
      }
    }
    // Everything up to the last row older than the settle time is final: the floor moves there.
    let settledTo = this.floor;
    for (const r of rows) if (now - new Date(r.created_at).getTime() >= this.settleMs && BigInt(r.id) > settledTo) settledTo = BigInt(r.id);
    this.floor = settledTo;
    for (const [id] of this.seen) if (BigInt(id) <= this.floor) this.seen.delete(id);
    return fresh;
  }
}

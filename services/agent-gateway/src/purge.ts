import { purgeLogChunks, type Db } from '@codex-k8s/db';

/** The instant before which stored log chunks are deleted. Pure. */
export function retentionCutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * 86_400_000);
}

/**
 * One retention pass: deletes log chunks older than the retention, in batches so no statement holds many rows
 * (replicas may run it at once: a delete is idempotent). Returns how many went.
 */
export async function purgeOnce(db: Db, days: number, now: Date = new Date(), batch = 5_000): Promise<number> {
  const before = retentionCutoff(now, days);
  let total = 0;
  for (;;) {
    const n = await purgeLogChunks(db, before, batch);
    total += n;
    if (n < batch) return total;
  }
}

import { flowEventById, type Db } from '@codex-k8s/db';
import type { FlowEventRow } from '@codex-k8s/db';

/**
 * The recorded event with this id (or the first of these ids: an action's success and its failure), looked up every
 * `everyMs` until `waitMs` passed (an action's answer comes from another service, through the bus and audit-writer);
 * undefined when it did not come in time.
 */
export async function awaitRecorded(db: Db, eventIds: string | readonly string[], waitMs: number, everyMs = 150): Promise<FlowEventRow | undefined> {
  const deadline = Date.now() + waitMs;
  const ids = typeof eventIds === 'string' ? [eventIds] : eventIds;
  for (;;) {
    let row: FlowEventRow | undefined;
    for (const id of ids) row ??= await flowEventById(db, id);
    if (row || Date.now() >= deadline) return row;
    await new Promise((r) => setTimeout(r, Math.min(everyMs, Math.max(0, deadline - Date.now()))));
  }
}

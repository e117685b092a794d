import { flowEventById, type Db } from '@codex-k8s/db';
import type { FlowEventRow } from '@codex-k8s/db';

/**
 * The recorded event with this id, looked up every `everyMs` until `waitMs` passed (an action's answer comes
 * from another service, through the bus and audit-writer); undefined when it did not come in time.
 */
export async function awaitRecorded(db: Db, eventId: string, waitMs: number, everyMs = 150): Promise<FlowEventRow | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const row = await flowEventById(db, eventId);
    if (row || Date.now() >= deadline) return row;
    await new Promise((r) => setTimeout(r, Math.min(everyMs, Math.max(0, deadline - Date.now()))));
  }
}

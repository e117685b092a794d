import { SlotReleasedV1 } from '@codex-k8s/contracts';
import { releaseSlot, type AgentRunRow } from '@codex-k8s/db';
import { publishCaused, type Cause } from '@codex-k8s/flow';
import type { ProvisionerDeps } from './deps.js';

/**
 * The end of a slot run: the slot is freed for the next run (`slot.released`) and its namespace, with the
 * deployed stack, is kept for manual QA; it is never deleted here. Idempotent: the event id is per run.
 */
export async function releaseRunSlot(deps: ProvisionerDeps, run: AgentRunRow, ctx: Cause): Promise<void> {
  if (!run.project_id) return;
  const released = await releaseSlot(deps.db, { projectId: run.project_id, runId: run.id });
  const slotNo = released ?? run.slot_no;
  if (!slotNo || !run.namespace) return;
  await publishCaused(deps.bus, SlotReleasedV1, ctx, {
    runId: run.id,
    data: { run_id: run.id, project_id: run.project_id, namespace: run.namespace, slot_no: slotNo },
  });
  deps.log.info({ run: run.id, slot: slotNo, namespace: run.namespace }, 'slot released');
}

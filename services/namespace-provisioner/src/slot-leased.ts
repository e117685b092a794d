import { SlotLeasedV1, type Envelope, type SlotLeasedData } from '@codex-k8s/contracts';
import type { MessageMeta } from '@codex-k8s/bus';
import { getRun } from '@codex-k8s/db';
import type { ProvisionerDeps } from './deps.js';
import { prepareNamespace, prepareTargetOf } from './prepare.js';

/** `slot.leased`: the slot's namespace (kept between runs) gets the run labels and the baseline; slot and namespace come from the run row the deployer wrote. */
export async function handleSlotLeased(deps: ProvisionerDeps, e: Envelope<SlotLeasedData>, meta: MessageMeta): Promise<void> {
  const t = prepareTargetOf(await getRun(deps.db, e.data.run_id), SlotLeasedV1.type);
  if (t) await prepareNamespace(deps, t, e, meta);
}

import { SlotReadyV1, type Envelope, type SlotReadyData } from '@codex-k8s/contracts';
import type { MessageMeta } from '@codex-k8s/bus';
import type { LauncherDeps } from './deps.js';
import { launchCauseOf, launchRun } from './launch.js';

/** `slot.ready`: the launch step of slot runs (Job in the slot namespace, with the slot's public URL in its environment). */
export function handleSlotReady(deps: LauncherDeps, e: Envelope<SlotReadyData>, meta: MessageMeta): Promise<void> {
  return launchRun(deps, SlotReadyV1.type, launchCauseOf(e, meta));
}

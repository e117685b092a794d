import { RunCreatedV1, type Envelope, type RunCreatedData } from '@codex-k8s/contracts';
import type { MessageMeta } from '@codex-k8s/bus';
import type { LauncherDeps } from './deps.js';
import { launchCauseOf, launchRun } from './launch.js';

/** `run.created`: the launch step of code-only runs (their Job goes to the platform namespace at once); other kinds' routes start their Job later. */
export function handleRunCreated(deps: LauncherDeps, e: Envelope<RunCreatedData>, meta: MessageMeta): Promise<void> {
  return launchRun(deps, RunCreatedV1.type, launchCauseOf(e, meta));
}

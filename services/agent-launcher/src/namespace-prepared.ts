import { RunNamespacePreparedV1, type Envelope, type RunNamespacePreparedData } from '@codex-k8s/contracts';
import type { MessageMeta } from '@codex-k8s/bus';
import type { LauncherDeps } from './deps.js';
import { launchCauseOf, launchRun } from './launch.js';

/** `run.namespace.prepared`: the launch step of full-env runs (Job in the run namespace); a slot run's prepared namespace still waits for its stack and TLS. */
export function handleNamespacePrepared(deps: LauncherDeps, e: Envelope<RunNamespacePreparedData>, meta: MessageMeta): Promise<void> {
  return launchRun(deps, RunNamespacePreparedV1.type, launchCauseOf(e, meta));
}

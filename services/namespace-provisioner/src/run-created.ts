import { RunCreatedV1, type Envelope, type RunCreatedData } from '@codex-k8s/contracts';
import type { MessageMeta } from '@codex-k8s/bus';
import { getRun } from '@codex-k8s/db';
import type { ProvisionerDeps } from './deps.js';
import { prepareNamespace, prepareTargetOf } from './prepare.js';

/** `run.created`: a full-env run's own namespace, as the run row names it (the route of other kinds prepares nothing here). */
export async function handleRunCreated(deps: ProvisionerDeps, e: Envelope<RunCreatedData>, meta: MessageMeta): Promise<void> {
  const t = prepareTargetOf(await getRun(deps.db, e.data.run_id), RunCreatedV1.type);
  if (t) await prepareNamespace(deps, t, e, meta);
}

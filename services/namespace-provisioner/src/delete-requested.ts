import { RunNamespaceDeleteRequestedV1, type Envelope, type RunNamespaceDeleteRequestedData } from '@codex-k8s/contracts';
import { getRun, isLiveRun } from '@codex-k8s/db';
import { causeOf, handlesRun } from '@codex-k8s/flow';
import { cleanupRunNamespace } from './cleanup.js';
import { NAME, type ProvisionerDeps } from './deps.js';

/**
 * `run.namespace.delete_requested` (staff console): deletes an ended full-env run's namespace and records
 * `run.namespace.delete_by_staff` with the staff member's login (`already_deleted` when it was gone). The run and
 * its namespace are read from the row: the request must name the run's own project and namespace, the run must have
 * ended (a live run is canceled first), and only a full-env run's own namespace qualifies (the route: a slot's
 * namespace is shared by its runs). Anything else changes nothing and is logged.
 */
export async function handleDeleteRequested(deps: ProvisionerDeps, e: Envelope<RunNamespaceDeleteRequestedData>): Promise<void> {
  const run = await getRun(deps.db, e.data.run_id);
  if (!run?.project_id || !run.runtime_mode || !handlesRun(run, NAME, RunNamespaceDeleteRequestedV1.type)) return;
  if (run.project_id !== e.data.project_id || run.namespace !== e.data.namespace) {
    deps.log.warn({ run: run.id, event: e.id }, 'namespace delete request names another project or namespace; ignored');
    return;
  }
  if (isLiveRun(run)) {
    deps.log.warn({ run: run.id, status: run.status, by: e.data.requested_by }, 'namespace delete requested for a live run; ignored (cancel it first)');
    return;
  }
  await cleanupRunNamespace(
    deps,
    { run_id: run.id, project_id: run.project_id, runtime_mode: run.runtime_mode, namespace: run.namespace },
    { trigger: 'staff', requestedBy: e.data.requested_by, ...causeOf(e) },
  );
}

import { IssueRunsClosedV1, type Envelope, type IssueClosedData } from '@codex-k8s/contracts';
import { getRun } from '@codex-k8s/db';
import { causeOf, handlesRun } from '@codex-k8s/flow';
import { cleanupRunNamespace } from './cleanup.js';
import { NAME, type ProvisionerDeps } from './deps.js';

/**
 * `issue.runs.closed`: the run namespaces of the closed issue are deleted (`run.namespace.delete_by_system`).
 * Each run is read from its row and must belong to the project and issue the event names; only runs whose route
 * has this step are touched (full-env: slot namespaces are shared by the project's runs and kept, code-only runs
 * have none).
 */
export async function handleIssueRunsClosed(deps: ProvisionerDeps, e: Envelope<IssueClosedData>): Promise<void> {
  for (const runId of e.data.run_ids) {
    const run = await getRun(deps.db, runId);
    if (!run?.project_id || !run.runtime_mode || !handlesRun(run, NAME, IssueRunsClosedV1.type)) continue;
    if (run.project_id !== e.data.project_id || run.issue_number !== e.data.issue_number) {
      deps.log.warn({ run: run.id, event: e.id }, 'issue.runs.closed names a run of another project or issue; ignored');
      continue;
    }
    await cleanupRunNamespace(
      deps,
      { run_id: run.id, project_id: run.project_id, runtime_mode: run.runtime_mode, namespace: run.namespace },
      { trigger: 'issue_closed', ...causeOf(e) },
    );
  }
}

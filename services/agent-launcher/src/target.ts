import { isLiveRun, type AgentRunRow, type RuntimeDeployTaskRow } from '@codex-k8s/db';
import { runKindOf, stepOf } from '@codex-k8s/flow';
import { NAME } from './deps.js';

/** Where and as whom the Job runs, decided from the run's own row (and its deploy task), never from an event. */
export interface JobPlacement {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly slotNo: number;
  /** Extra env for the agent: the repository and issue; a slot run also the deployed commit, CODEXK8S_PUBLIC_BASE_URL and CODEXK8S_STAGING_DOMAIN. */
  readonly env: Readonly<Record<string, string>>;
}

export interface PlacementSettings {
  readonly platformNamespace: string;
  /** The identity of code-only Jobs in the platform namespace: no RBAC, no token. */
  readonly codeOnlyServiceAccount: string;
  /** The run ServiceAccount of full-env namespaces (the baseline's). */
  readonly runServiceAccount: string;
}

/**
 * Where a live run's Job goes when `trigger` (an event type) arrives, or undefined when the run's route does not
 * start the Job on that event (another kind's step, an ended run, a row without the facts). The kind comes from
 * the row (runKindOf) and the route says which input is the launch (code-only: run.created, full-env:
 * run.namespace.prepared, slot: slot.ready). Pure: code-only runs go to the platform namespace as the code-only
 * identity; full-env runs to the namespace in their row as the run ServiceAccount, a slot run only after its deploy
 * task succeeded in that namespace.
 */
export function placementOf(trigger: string, run: AgentRunRow | undefined, task: RuntimeDeployTaskRow | undefined, s: PlacementSettings): JobPlacement | undefined {
  if (!run?.project_id || !isLiveRun(run)) return undefined;
  const kind = runKindOf(run);
  // Only a launch step places a Job (the launcher's other input, a staff cancel, places nothing).
  if (!kind || !stepOf(kind, NAME, trigger)?.ok.includes('run.started')) return undefined;
  // The repository the run is about, so the agent knows what to fetch (and, in a slot, the commit deployed).
  const repo: Record<string, string> = {
    ...(run.repository_full_name ? { CODEXK8S_REPOSITORY_FULL_NAME: run.repository_full_name } : {}),
    ...(run.issue_number ? { CODEXK8S_ISSUE_NUMBER: String(run.issue_number) } : {}),
  };
  if (kind === 'code-only') return { namespace: s.platformNamespace, serviceAccount: s.codeOnlyServiceAccount, slotNo: 0, env: repo };
  if (!run.namespace) return undefined;
  if (kind === 'full-env') return { namespace: run.namespace, serviceAccount: s.runServiceAccount, slotNo: 0, env: repo };
  if (!run.slot_no || task?.status !== 'succeeded' || task.namespace !== run.namespace) return undefined;
  const env: Record<string, string> = {
    ...repo,
    ...(task.commit_sha ? { CODEXK8S_REPOSITORY_COMMIT: task.commit_sha } : {}),
    ...(task.host ? { CODEXK8S_STAGING_DOMAIN: task.host, CODEXK8S_PUBLIC_BASE_URL: `https://${task.host}` } : {}),
  };
  return { namespace: run.namespace, serviceAccount: s.runServiceAccount, slotNo: run.slot_no, env };
}

import { isLiveRun, type AgentRunRow, type RuntimeDeployTaskRow } from '@codex-k8s/db';

/** Which event may start a run's Job: code-only at once, a run namespace once prepared, a slot once ready. */
export type LaunchTrigger = 'run.created' | 'run.namespace.prepared' | 'slot.ready';

/** Where and as whom the Job runs, decided from the run's own row (and its deploy task), never from an event. */
export interface JobPlacement {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly slotNo: number;
  /** Extra env for the agent (a slot run gets CODEXK8S_PUBLIC_BASE_URL and CODEXK8S_STAGING_DOMAIN). */
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
 * Where a live run's Job goes when `trigger` arrives, or undefined when that trigger does not start this run
 * (another route's step, an ended run, a row without the facts). Pure: code-only runs go to the platform
 * namespace as the code-only identity; full-env runs to the namespace in their row as the run ServiceAccount,
 * a slot run only after its deploy task succeeded in that namespace.
 */
export function placementOf(trigger: LaunchTrigger, run: AgentRunRow | undefined, task: RuntimeDeployTaskRow | undefined, s: PlacementSettings): JobPlacement | undefined {
  if (!run?.project_id || !run.runtime_mode || !isLiveRun(run)) return undefined;
  if (run.runtime_mode === 'code-only') {
    return trigger === 'run.created' ? { namespace: s.platformNamespace, serviceAccount: s.codeOnlyServiceAccount, slotNo: 0, env: {} } : undefined;
  }
  if (!run.namespace) return undefined;
  if (!run.runtime_deploy) {
    return trigger === 'run.namespace.prepared' ? { namespace: run.namespace, serviceAccount: s.runServiceAccount, slotNo: 0, env: {} } : undefined;
  }
  if (trigger !== 'slot.ready' || !run.slot_no || task?.status !== 'succeeded' || task.namespace !== run.namespace) return undefined;
  const env: Record<string, string> = task.host ? { CODEXK8S_STAGING_DOMAIN: task.host, CODEXK8S_PUBLIC_BASE_URL: `https://${task.host}` } : {};
  return { namespace: run.namespace, serviceAccount: s.runServiceAccount, slotNo: run.slot_no, env };
}

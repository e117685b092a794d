import { RunCanceledV1, runEndedEventId, type RunCanceledData } from '@codex-k8s/contracts';
import { completeRunFinish, setRunLogsTail, type AgentRunRow, type RunOutcome } from '@codex-k8s/db';
import { publishCaused, type Cause } from '@codex-k8s/flow';
import { agentJobName, isNotFound } from '@codex-k8s/kube';
import type { LauncherDeps } from './deps.js';
import { agentOutput, podsOf } from './follow.js';
import { revokeRunToken } from './token.js';

type Run = AgentRunRow & { project_id: string; runtime_mode: 'full-env' | 'code-only' };

/** The outcome a staff cancel records (claimed on the row before anything is deleted). Pure. */
export function cancelOutcome(requestedBy: string): RunOutcome {
  return { event_type: RunCanceledV1.type, reason: 'canceled_by_staff', error: `canceled by ${requestedBy}`, exit_code: null, requested_by: requestedBy };
}

/** Deletes a run's Job and its pods (the token Secret goes with it: the Job owns it); a Job already gone is fine. */
export async function deleteRunJob(deps: LauncherDeps, name: string, namespace: string): Promise<boolean> {
  try {
    await deps.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * The side effects of a claimed cancel of a running run, in an order a crash can resume (the follower calls this
 * again for a claim left unsettled): the agent's output kept with the run while its pod can still be read, the
 * Job deleted, the token revoked, `run.canceled` published under the run's one end id (so it is the only end ever
 * recorded), and the row ended `canceled`.
 */
export async function settleCancel(deps: LauncherDeps, run: Run, outcome: RunOutcome, cause: Cause = { correlationId: run.correlation_id }): Promise<void> {
  const name = run.job_name ?? agentJobName(run.id);
  const namespace = run.job_namespace ?? run.namespace ?? deps.placement.platformNamespace;
  if (run.agent_logs_tail === null) {
    const pods = await podsOf(deps, name, namespace).catch(() => []);
    await setRunLogsTail(deps.db, run.id, await agentOutput(deps, run.id, pods, namespace));
  }
  const deleted = await deleteRunJob(deps, name, namespace);
  await revokeRunToken(deps, run);
  await publishCanceled(deps, { run, outcome, job: { name: run.job_name, namespace: run.job_namespace }, cause });
  await completeRunFinish(deps.db, run.id, 'canceled');
  deps.log.info({ run: run.id, job: `${namespace}/${name}`, jobDeleted: deleted, by: outcome.requested_by }, 'run canceled');
}

/** `run.canceled` under the run's one end id. */
export async function publishCanceled(deps: LauncherDeps, o: { run: Run; outcome: RunOutcome; job: { name: string | null; namespace: string | null }; cause: Cause }): Promise<void> {
  const { run, outcome, job, cause } = o;
  const data: RunCanceledData = {
    run_id: run.id,
    project_id: run.project_id,
    runtime_mode: run.runtime_mode,
    namespace: run.namespace,
    job_name: job.name,
    job_namespace: job.namespace,
    status: 'canceled',
    reason: 'canceled_by_staff',
    error: outcome.error,
    exit_code: null,
    requested_by: outcome.requested_by ?? 'unknown',
  };
  await publishCaused(deps.bus, RunCanceledV1, cause, { runId: run.id, id: runEndedEventId(run.id), data });
}

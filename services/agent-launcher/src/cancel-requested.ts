import { RunCancelRequestedV1, type Envelope, type RunCancelRequestedData } from '@codex-k8s/contracts';
import { claimRunFinish, endPendingRun, getRun, isLiveRun, type AgentRunRow, type RunOutcome } from '@codex-k8s/db';
import { causeOf, handlesRun, type Cause } from '@codex-k8s/flow';
import { agentJobName } from '@codex-k8s/kube';
import { cancelOutcome, deleteRunJob, publishCanceled, settleCancel } from './cancel.js';
import { NAME, type LauncherDeps } from './deps.js';
import { runFinishTotal } from './follow.js';

type Run = AgentRunRow & { project_id: string; runtime_mode: 'full-env' | 'code-only' };

/**
 * `run.cancel_requested` (staff console): ends a live run as `run.canceled`, exactly once. The run is read from its
 * row (the request must name its project). A pending run (no Job started) is ended at once, and a Job a launch may
 * be creating that moment is deleted (the launch also deletes what it made for a run that ended). A running run's
 * end is claimed first (claimRunFinish: the Job follower cannot also end it), then its Job is deleted and the end
 * published (settleCancel). A run that already ended, or whose end another evaluation claimed, is left as it is.
 */
export async function handleCancelRequested(deps: LauncherDeps, e: Envelope<RunCancelRequestedData>): Promise<void> {
  const found = await getRun(deps.db, e.data.run_id);
  if (!found?.project_id || !found.runtime_mode || !handlesRun(found, NAME, RunCancelRequestedV1.type)) return;
  if (found.project_id !== e.data.project_id) {
    deps.log.warn({ run: found.id, event: e.id }, 'cancel request names another project; ignored');
    return;
  }
  const run: Run = { ...found, project_id: found.project_id, runtime_mode: found.runtime_mode };
  const outcome = cancelOutcome(e.data.requested_by);
  const cause = causeOf(e);
  if (run.status === 'canceled' && run.outcome?.event_type === outcome.event_type) {
    // Ended by a cancel whose event may not have gone out (a crash after the row): publish it again (same id).
    await publishCanceled(deps, { run, outcome: run.outcome, job: { name: run.job_name, namespace: run.job_namespace }, cause });
    return;
  }
  if (!isLiveRun(run)) {
    deps.log.info({ run: run.id, status: run.status, by: e.data.requested_by }, 'cancel requested for a run that already ended');
    return;
  }
  if (run.status === 'pending' && (await cancelPending(deps, run, outcome, cause))) return;
  await cancelRunning(deps, run, outcome, cause);
}

/** Ends a pending run at once; false when it was not pending any more (a launch started it meanwhile). */
async function cancelPending(deps: LauncherDeps, run: Run, outcome: RunOutcome, cause: Cause): Promise<boolean> {
  const ended = await endPendingRun(deps.db, run.id, 'canceled', outcome);
  if (!ended) return false;
  // A launch creating the Job right now finds the run ended and deletes it too; this covers the other order.
  const namespace = run.namespace ?? deps.placement.platformNamespace;
  await deleteRunJob(deps, agentJobName(run.id), namespace).catch((err: unknown) => deps.log.warn({ run: run.id, err: String(err) }, 'could not delete a job of the canceled run'));
  await publishCanceled(deps, { run, outcome, job: { name: null, namespace: null }, cause });
  runFinishTotal.inc({ outcome: 'finished' });
  deps.log.info({ run: run.id, by: outcome.requested_by }, 'pending run canceled');
  return true;
}

/** Claims a running run's end for the cancel, then settles it; our own earlier claim (a redelivery after a crash) is finished, anyone else's end stands. */
async function cancelRunning(deps: LauncherDeps, run: Run, outcome: RunOutcome, cause: Cause): Promise<void> {
  const claimed = await claimRunFinish(deps.db, run.id, outcome);
  if (claimed) {
    runFinishTotal.inc({ outcome: 'finished' });
    return settleCancel(deps, { ...claimed, project_id: run.project_id, runtime_mode: run.runtime_mode }, outcome, cause);
  }
  const now = await getRun(deps.db, run.id);
  if (now?.status === 'running' && now.outcome?.event_type === outcome.event_type) return settleCancel(deps, { ...now, project_id: run.project_id, runtime_mode: run.runtime_mode }, now.outcome, cause);
  runFinishTotal.inc({ outcome: 'already_claimed' });
}

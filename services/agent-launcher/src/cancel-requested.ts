import { RunCancelRequestedV1, type Envelope, type RunCancelRequestedData } from '@codex-k8s/contracts';
import { claimRunFinish, endPendingRun, getRun, isLiveRun } from '@codex-k8s/db';
import { causeOf, handlesRun } from '@codex-k8s/flow';
import { agentJobName } from '@codex-k8s/kube';
import { cancelOutcome, deleteRunJob, publishCanceled, settleCancel } from './cancel.js';
import { NAME, type LauncherDeps } from './deps.js';
import { runFinishTotal } from './follow.js';

/**
 * `run.cancel_requested` (staff console): ends a live run as `run.canceled`, exactly once. The run is read from its
 * row (the request must name its project). A pending run (no Job started) is ended at once, and a Job a launch may
 * be creating that moment is deleted (the launch also deletes what it made for a run that ended). A running run's
 * end is claimed first (claimRunFinish: the Job follower cannot also end it), then its Job is deleted and the end
 * published (settleCancel). A run that already ended, or whose end another evaluation claimed, is left as it is.
 */
export async function handleCancelRequested(deps: LauncherDeps, e: Envelope<RunCancelRequestedData>): Promise<void> {
  const run = await getRun(deps.db, e.data.run_id);
  if (!run?.project_id || !run.runtime_mode || !handlesRun(run, NAME, RunCancelRequestedV1.type)) return;
  if (run.project_id !== e.data.project_id) {
    deps.log.warn({ run: run.id, event: e.id }, 'cancel request names another project; ignored');
    return;
  }
  const live = { ...run, project_id: run.project_id, runtime_mode: run.runtime_mode };
  const outcome = cancelOutcome(e.data.requested_by);
  const cause = causeOf(e);
  if (run.status === 'canceled' && run.outcome?.event_type === outcome.event_type) {
    // Ended by a cancel whose event may not have gone out (a crash after the row): publish it again (same id).
    await publishCanceled(deps, live, run.outcome, { name: run.job_name, namespace: run.job_namespace }, cause);
    return;
  }
  if (!isLiveRun(run)) {
    deps.log.info({ run: run.id, status: run.status, by: e.data.requested_by }, 'cancel requested for a run that already ended');
    return;
  }
  if (run.status === 'pending') {
    const ended = await endPendingRun(deps.db, run.id, 'canceled', outcome);
    if (ended) {
      // A launch creating the Job right now finds the run ended and deletes it too; this covers the other order.
      const namespace = run.namespace ?? deps.placement.platformNamespace;
      await deleteRunJob(deps, agentJobName(run.id), namespace).catch((err: unknown) => deps.log.warn({ run: run.id, err: String(err) }, 'could not delete a job of the canceled run'));
      await publishCanceled(deps, live, outcome, { name: null, namespace: null }, cause);
      runFinishTotal.inc({ outcome: 'finished' });
      deps.log.info({ run: run.id, by: e.data.requested_by }, 'pending run canceled');
      return;
    }
    // It started meanwhile: cancel it as a running run.
  }
  const claimed = await claimRunFinish(deps.db, run.id, outcome);
  if (!claimed) {
    const now = await getRun(deps.db, run.id);
    // Our own earlier claim (a redelivered request after a crash): finish it; anyone else's end stands.
    if (now?.status === 'running' && now.outcome?.event_type === outcome.event_type) return settleCancel(deps, { ...now, project_id: live.project_id, runtime_mode: live.runtime_mode }, now.outcome, cause);
    runFinishTotal.inc({ outcome: 'already_claimed' });
    return;
  }
  runFinishTotal.inc({ outcome: 'finished' });
  await settleCancel(deps, { ...claimed, project_id: live.project_id, runtime_mode: live.runtime_mode }, outcome, cause);
}

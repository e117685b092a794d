import { RunLaunchErrorV1, runEndedEventId, type LaunchErrorReason, type RuntimeMode } from '@codex-k8s/contracts';
import type { Bus } from '@codex-k8s/bus';
import { finishRun, type Db } from '@codex-k8s/db';
import { publishCaused, type Cause } from './publish.js';

/** What every run event says about its run, from the run row (the contracts' RunRef). */
export interface RunFacts {
  readonly id: string;
  readonly project_id: string;
  readonly runtime_mode: RuntimeMode;
  readonly namespace: string | null;
}

/** Why the run cannot go on: a LaunchErrorReason code and the error in words. */
export interface LaunchFailure {
  readonly reason: LaunchErrorReason;
  readonly error: string;
}

/**
 * Ends a run that cannot be launched or go on: `run.failed.launch_error` with the run's one end id
 * (`runEndedEventId`, shared by every terminal event of the run, so it can only ever be recorded as ending once),
 * then the row moves to `failed` with that outcome (only a live row moves). Publish first: the run's end handler
 * (namespace-provisioner) waits for the row to say the run ended, and a crash in between is retried by redelivery
 * of the cause with the same id.
 * @throws whatever the publish or the database throws (the row is not finished when the publish failed).
 */
export async function endRunWithLaunchError(deps: { readonly db: Db; readonly bus: Pick<Bus, 'publish'> }, run: RunFacts, cause: Cause, failure: LaunchFailure): Promise<void> {
  await publishCaused(deps.bus, RunLaunchErrorV1, cause, {
    runId: run.id,
    id: runEndedEventId(run.id),
    data: { run_id: run.id, project_id: run.project_id, runtime_mode: run.runtime_mode, namespace: run.namespace, reason: failure.reason, error: failure.error },
  });
  await finishRun(deps.db, run.id, 'failed', { event_type: RunLaunchErrorV1.type, reason: failure.reason, error: failure.error });
}

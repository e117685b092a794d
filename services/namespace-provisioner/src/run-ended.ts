import type { Envelope } from '@codex-k8s/contracts';
import { getRun, isLiveRun, type AgentRunRow } from '@codex-k8s/db';
import { cleanupRunNamespace } from './cleanup.js';
import type { ProvisionerDeps } from './deps.js';
import { releaseRunSlot } from './slot-release.js';

/** Whether the run row says the run has ended: the only fact a namespace is cleaned up on. Pure. */
export function hasEnded(run: Pick<AgentRunRow, 'status'> | undefined): boolean {
  return run !== undefined && !isLiveRun(run);
}

/** Raised while the row does not (yet) say the run ended; the bus redelivers with backoff. */
export class RunNotEndedError extends Error {
  override readonly name = 'RunNotEndedError';
}

/**
 * The end of a run (`run.succeeded`, `run.failed*`): the slot is released or the run namespace cleaned up, with
 * the run and its namespace read from the run's row, never from the event. The emitter publishes the terminal
 * event just before it ends the row, so a row that still says pending/running is retried; an event claiming the
 * end of a live run (forged, or replayed) therefore never deletes anything.
 */
export async function handleRunEnded(deps: ProvisionerDeps, e: Envelope<{ run_id: string }>): Promise<void> {
  const run = await getRun(deps.db, e.data.run_id);
  if (!run?.project_id || !run.runtime_mode) return;
  if (!hasEnded(run)) throw new RunNotEndedError(`run ${run.id} is still ${run.status} in the database; the end event is not acted on yet`);
  if (run.runtime_deploy) return releaseRunSlot(deps, run, { correlationId: e.correlationid, causationId: e.id });
  return cleanupRunNamespace(
    deps,
    { run_id: run.id, project_id: run.project_id, runtime_mode: run.runtime_mode, namespace: run.namespace },
    { trigger: 'run_finished', correlationId: e.correlationid, causationId: e.id},
  );
}

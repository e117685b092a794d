import type { Envelope } from '@codex-k8s/contracts';
import { getRun, isLiveRun, type AgentRunRow } from '@codex-k8s/db';
import { RUN_ENDED_EVENTS, causeOf, handles, runKindOf } from '@codex-k8s/flow';
import { cleanupRunNamespace } from './cleanup.js';
import { NAME, type ProvisionerDeps } from './deps.js';
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
 * What the end of a run (`trigger`, one of the run-ended event types) means here, by the run's route: a slot run
 * releases its slot, a full-env run has its namespace cleaned up, a code-only run (no namespace) or an unknown run
 * nothing. Pure.
 */
export function endActionOf(run: AgentRunRow | undefined, trigger: string): 'release-slot' | 'clean-namespace' | undefined {
  const kind = run?.project_id ? runKindOf(run) : undefined;
  if (!kind || !RUN_ENDED_EVENTS.includes(trigger) || !handles(kind, NAME, trigger)) return undefined;
  return kind === 'slot' ? 'release-slot' : 'clean-namespace';
}

/**
 * The end of a run. One handler for one family of inputs: `run.succeeded`, `run.failed`, `run.failed.job_not_found`,
 * `run.failed.launch_error` and `run.canceled` are the same step of the route (they share the run's one end id, so only one of them
 * is ever published per run). The run's route says what the end means here: full-env, the run namespace is cleaned
 * up; slot, the slot is released; code-only, nothing (no namespace). The run and its namespace are read from the
 * run's row, never from the event. The emitter publishes the terminal event just before it ends the row, so a row
 * that still says pending/running is retried; an event claiming the end of a live run (forged, or replayed)
 * therefore never deletes anything.
 * @throws RunNotEndedError while the row does not say the run ended (redelivered with backoff).
 */
export async function handleRunEnded(deps: ProvisionerDeps, e: Envelope<{ run_id: string }>): Promise<void> {
  const run = await getRun(deps.db, e.data.run_id);
  const action = endActionOf(run, e.type);
  if (!run?.project_id || !run.runtime_mode || !action) return;
  if (!hasEnded(run)) throw new RunNotEndedError(`run ${run.id} is still ${run.status} in the database; the end event is not acted on yet`);
  if (action === 'release-slot') return releaseRunSlot(deps, run, causeOf(e));
  return cleanupRunNamespace(
    deps,
    { run_id: run.id, project_id: run.project_id, runtime_mode: run.runtime_mode, namespace: run.namespace },
    { trigger: 'run_finished', ...causeOf(e) },
  );
}

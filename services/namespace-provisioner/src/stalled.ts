import { listStalledRuns } from '@codex-k8s/db';
import { endRunWithLaunchError } from '@codex-k8s/flow';
import { errorMessage } from '@codex-k8s/runtime';
import type { ProvisionerDeps } from './deps.js';

/**
 * Ends every live run that has made no progress for `idleMs` (a step whose messages were all dead-lettered, a
 * service down for good): `run.failed.launch_error` reason `run_stalled` with the time of its last progress, then
 * the row. The end event has the run's one end id, so a run that ends normally at the same moment, or a second
 * replica, can never record two ends; the run's own end handler then releases its slot or cleans its namespace.
 * Returns how many runs it ended.
 */
export async function endStalledRuns(deps: ProvisionerDeps, idleMs: number): Promise<number> {
  let ended = 0;
  for (const run of await listStalledRuns(deps.db, { idleMs })) {
    if (!run.project_id || !run.runtime_mode) continue;
    const error = `no progress since ${new Date(run.last_progress_at).toISOString()} (${Math.round(idleMs / 1000)} s stall timeout) while ${run.status}`;
    try {
      // Started by a timer, not an event: the run's correlation id, no causation.
      const facts = { id: run.id, project_id: run.project_id, runtime_mode: run.runtime_mode, namespace: run.namespace };
      await endRunWithLaunchError(deps, facts, { correlationId: run.correlation_id }, { reason: 'run_stalled', error });
      deps.log.warn({ run: run.id, error }, 'stalled run ended');
      ended++;
    } catch (err) {
      deps.log.warn({ run: run.id, err: errorMessage(err) }, 'could not end a stalled run; the next sweep retries');
    }
  }
  return ended;
}

import { RunLaunchErrorV1, runEndedEventId } from '@codex-k8s/contracts';
import { finishRun, listStalledRuns } from '@codex-k8s/db';
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
      await deps.bus.publish(RunLaunchErrorV1, {
        id: runEndedEventId(run.id),
        correlationId: run.correlation_id,
        subject: `run/${run.id}`,
        data: { run_id: run.id, project_id: run.project_id, runtime_mode: run.runtime_mode, namespace: run.namespace, reason: 'run_stalled', error },
      });
      await finishRun(deps.db, run.id, 'failed', { event_type: RunLaunchErrorV1.type, reason: 'run_stalled', error });
      deps.log.warn({ run: run.id, error }, 'stalled run ended');
      ended++;
    } catch (err) {
      deps.log.warn({ run: run.id, err: errorMessage(err) }, 'could not end a stalled run; the next sweep retries');
    }
  }
  return ended;
}

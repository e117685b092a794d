import { getRun } from '@codex-k8s/db';
import { MANAGED_BY, NAMESPACE_PURPOSE_RUN } from '@codex-k8s/kube';
import { errorMessage, startPeriodic, type Periodic } from '@codex-k8s/runtime';
import { cleanupRunNamespace } from './cleanup.js';
import type { ProvisionerDeps } from './deps.js';
import { hasEnded } from './run-ended.js';

/**
 * One sweep: managed run namespaces whose run has ended (a lost event, a crash between the run's end and its
 * cleanup, a failed delete) are cleaned now, each decision recorded like a regular cleanup (trigger `sweeper`).
 * Namespaces of live or unknown runs are left alone. Returns how many it cleaned up.
 */
export async function sweepOnce(deps: ProvisionerDeps): Promise<number> {
  if (!deps.cleanupEnabled) return 0;
  const selector = `${deps.keys.managedBy}=${MANAGED_BY},${deps.keys.namespacePurpose}=${NAMESPACE_PURPOSE_RUN}`;
  const list = await deps.core.listNamespace({ labelSelector: selector });
  let cleaned = 0;
  for (const ns of list.items) {
    const name = ns.metadata?.name;
    const runId = ns.metadata?.labels?.[deps.keys.runId];
    if (!name || !runId || ns.metadata?.deletionTimestamp || !/^[0-9a-f-]{36}$/.test(runId)) continue;
    const run = await getRun(deps.db, runId);
    if (!run || !hasEnded(run) || run.namespace !== name || !run.project_id || !run.runtime_mode) continue;
    await cleanupRunNamespace(
      deps,
      { run_id: run.id, project_id: run.project_id, runtime_mode: run.runtime_mode, namespace: name },
      { trigger: 'sweeper', correlationId: run.correlation_id, attempt: Date.now() },
    );
    cleaned++;
  }
  return cleaned;
}

/** Runs `sweepOnce` every `intervalMs` (first sweep right away); `close()` stops it after the current sweep. */
export function startSweeper(deps: ProvisionerDeps, intervalMs: number): Periodic {
  return startPeriodic(
    intervalMs,
    async () => {
      const n = await sweepOnce(deps);
      if (n > 0) deps.log.info({ cleaned: n }, 'sweeper cleaned up namespaces');
    },
    (err) => deps.log.warn({ err: errorMessage(err) }, 'sweep failed; next one will retry'),
  );
}

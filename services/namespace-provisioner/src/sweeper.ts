import { getRun, tryAcquireLease, type AgentRunRow } from '@codex-k8s/db';
import { MANAGED_BY, NAMESPACE_PURPOSE_RUN } from '@codex-k8s/kube';
import { errorMessage, startPeriodic, type Periodic } from '@codex-k8s/runtime';
import { cleanupRunNamespace } from './cleanup.js';
import type { ProvisionerDeps } from './deps.js';
import { hasEnded } from './run-ended.js';
import { endStalledRuns } from './stalled.js';

/** Timing of the periodic work: how often, and how long after a run's end the sweeper may act on it. */
export interface SweepSettings {
  readonly intervalMs: number;
  /** The normal cleanup acts on the run's end at once; the sweeper only on runs ended longer ago than this. */
  readonly graceMs: number;
  /** A live run without progress for this long is ended (`run_stalled`). */
  readonly stallTimeoutMs: number;
  /** This replica's name in the lease (several replicas: one sweeps at a time). */
  readonly holder: string;
}

/** The lease one replica holds while it sweeps. */
export const SWEEP_LEASE = 'namespace-provisioner/sweeper';

/**
 * Whether the sweeper may clean up after a run now (pure): it has ended, the namespace is the run's own, and its end
 * is older than the grace period, so a cleanup the run's end event is about to do is never done a second time.
 */
export function sweepable(run: AgentRunRow | undefined, namespace: string, now: Date, graceMs: number): run is AgentRunRow & { project_id: string; runtime_mode: 'full-env' | 'code-only' } {
  if (!run || !hasEnded(run) || run.namespace !== namespace || !run.project_id || !run.runtime_mode) return false;
  const endedAt = run.finished_at ?? run.updated_at;
  return now.getTime() - new Date(endedAt).getTime() >= graceMs;
}

/**
 * One sweep: managed run namespaces whose run ended more than the grace period ago (a lost event, a crash between
 * the run's end and its cleanup, a failed delete) are cleaned now, each decision recorded like a regular cleanup
 * (trigger `sweeper`, deterministic event ids). Namespaces of live or unknown runs are left alone. Returns how
 * many it cleaned up.
 */
export async function sweepOnce(deps: ProvisionerDeps, graceMs: number): Promise<number> {
  if (!deps.cleanupEnabled) return 0;
  const selector = `${deps.keys.managedBy}=${MANAGED_BY},${deps.keys.namespacePurpose}=${NAMESPACE_PURPOSE_RUN}`;
  const list = await deps.core.listNamespace({ labelSelector: selector });
  let cleaned = 0;
  for (const ns of list.items) {
    const name = ns.metadata?.name;
    const runId = ns.metadata?.labels?.[deps.keys.runId];
    if (!name || !runId || ns.metadata?.deletionTimestamp || !/^[0-9a-f-]{36}$/.test(runId)) continue;
    const run = await getRun(deps.db, runId);
    if (!sweepable(run, name, new Date(), graceMs)) continue;
    await cleanupRunNamespace(deps, { run_id: run.id, project_id: run.project_id, runtime_mode: run.runtime_mode, namespace: name }, { trigger: 'sweeper', correlationId: run.correlation_id });
    cleaned++;
  }
  return cleaned;
}

/**
 * Every `intervalMs` (first pass right away), on the one replica that holds the sweep lease: ends stalled runs,
 * then sweeps. `close()` stops it after the current pass.
 */
export function startSweeper(deps: ProvisionerDeps, s: SweepSettings): Periodic {
  return startPeriodic(
    s.intervalMs,
    async () => {
      if (!(await tryAcquireLease(deps.db, { name: SWEEP_LEASE, holder: s.holder, ttlMs: s.intervalMs * 3 }))) return;
      const ended = await endStalledRuns(deps, s.stallTimeoutMs);
      const cleaned = await sweepOnce(deps, s.graceMs);
      if (ended + cleaned > 0) deps.log.info({ stalledRunsEnded: ended, cleaned }, 'sweep done');
    },
    (err) => deps.log.warn({ err: errorMessage(err) }, 'sweep failed; next one will retry'),
  );
}

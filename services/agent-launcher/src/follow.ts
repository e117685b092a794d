import { RunFailedV1, RunJobNotFoundV1, RunSucceededV1, runEndedEventId, type EventDefinition } from '@codex-k8s/contracts';
import { finishRun, getRun, listRunsByStatus, setRunLogsTail, type AgentRunRow } from '@codex-k8s/db';
import { isNotFound, judgeJob, type JobVerdict } from '@codex-k8s/kube';
import { errorMessage, startPeriodic } from '@codex-k8s/runtime';
import { Watch, type KubeConfig, type V1Job, type V1Pod } from '@kubernetes/client-node';
import type { LauncherDeps } from './deps.js';

type Terminal = { def: EventDefinition; status: 'succeeded' | 'failed'; reason: string | null; error: string | null };

/** The Job's verdict and the pods it was judged from (also the source of the log tail). */
async function observe(deps: LauncherDeps, name: string, namespace: string): Promise<{ verdict: JobVerdict | 'not_found'; pods: V1Pod[] }> {
  let job: V1Job;
  try {
    job = await deps.batch.readNamespacedJob({ name, namespace });
  } catch (err) {
    if (isNotFound(err)) return { verdict: 'not_found', pods: [] };
    throw err;
  }
  const pods = (await deps.core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` })).items;
  const events = (await deps.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.kind=Job,involvedObject.name=${name},reason=FailedCreate` })).items;
  const first = events
    .map((ev) => ({ message: ev.message ?? 'pods could not be created', firstSeen: new Date(ev.firstTimestamp ?? ev.eventTime ?? ev.metadata?.creationTimestamp ?? Date.now()) }))
    .sort((a, b) => a.firstSeen.getTime() - b.firstSeen.getTime())[0];
  return { verdict: judgeJob({ job, pods, failedCreate: first ?? null, now: new Date(), createDeadlineMs: deps.job.createDeadlineMs }), pods };
}

/**
 * The last 200 log lines of the Job's newest pod, or the reason they could not be read (no pod left, or a node
 * that serves no logs, such as the local stack's kwok nodes).
 */
async function logsTail(deps: LauncherDeps, pods: readonly V1Pod[], namespace: string): Promise<string> {
  try {
    const pod = [...pods].sort((a, b) => String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? '')))[0];
    if (!pod?.metadata?.name) return '(logs unavailable: no pod of the Job is left)';
    return await deps.core.readNamespacedPodLog({ name: pod.metadata.name, namespace, container: 'run', tailLines: 200 });
  } catch (err) {
    return `(logs unavailable: ${errorMessage(err).slice(0, 500)})`;
  }
}

function terminalOf(v: JobVerdict | 'not_found'): Terminal | undefined {
  if (v === 'not_found') return { def: RunJobNotFoundV1, status: 'failed', reason: 'kubernetes job not found', error: null };
  if (v.state === 'succeeded') return { def: RunSucceededV1, status: 'succeeded', reason: null, error: null };
  if (v.state === 'failed') return { def: RunFailedV1, status: 'failed', reason: v.reason, error: v.error };
  return undefined;
}

/**
 * Looks at one running run's Job and ends the run when the Job has: the terminal event first (its id is the
 * same for every outcome of the run, so a concurrent or repeated evaluation can never record two), then the
 * row. Nothing is kept in memory: after a restart the same rows and Jobs give the same answer.
 */
export async function evaluateRun(deps: LauncherDeps, run: AgentRunRow): Promise<boolean> {
  if (run.status !== 'running' || !run.job_name || !run.job_namespace || !run.project_id || !run.runtime_mode) return false;
  const seen = await observe(deps, run.job_name, run.job_namespace);
  const t = terminalOf(seen.verdict);
  if (!t) return false;
  await deps.bus.publish(t.def, {
    id: runEndedEventId(run.id),
    correlationId: run.correlation_id,
    subject: `run/${run.id}`,
    data: {
      run_id: run.id,
      project_id: run.project_id,
      runtime_mode: run.runtime_mode,
      namespace: run.namespace,
      job_name: run.job_name,
      job_namespace: run.job_namespace,
      status: t.status,
      reason: t.reason,
      error: t.error,
    },
  });
  await finishRun(deps.db, run.id, t.status, { event_type: t.def.type, reason: t.reason, error: t.error });
  await setRunLogsTail(deps.db, run.id, await logsTail(deps, seen.pods, run.job_namespace));
  deps.log.info({ run: run.id, outcome: t.def.type, reason: t.reason }, 'run finished');
  return true;
}

/** One resync pass over every running run (finds what the watch missed, e.g. while this service was down). */
export async function resyncOnce(deps: LauncherDeps): Promise<number> {
  let ended = 0;
  for (const run of await listRunsByStatus(deps.db, ['running'])) {
    try {
      if (await evaluateRun(deps, run)) ended++;
    } catch (err) {
      deps.log.warn({ run: run.id, err: errorMessage(err) }, 'could not evaluate run; next resync retries');
    }
  }
  return ended;
}

/**
 * Follows agent Jobs: a watch on Jobs and on their pods (managed-by label) re-evaluates the run at once; a
 * periodic resync re-evaluates every running run. A watch that ends (410 Gone, disconnect) is restarted from
 * a fresh list, and the resync covers the gap.
 */
export function startFollower(deps: LauncherDeps, kc: KubeConfig, intervalMs: number): { close(): Promise<void> } {
  let stopped = false;
  const aborts: AbortController[] = [];
  const byRunLabel = async (runLabel: string | undefined): Promise<void> => {
    if (!runLabel || !/^[0-9a-f-]{36}$/.test(runLabel)) return;
    const run = await getRun(deps.db, runLabel);
    if (run) await evaluateRun(deps, run).catch((err: unknown) => deps.log.warn({ run: run.id, err: errorMessage(err) }, 'evaluation failed; resync retries'));
  };
  const watch = (path: string, selector: string): void => {
    if (stopped) return;
    const w = new Watch(kc);
    void w
      .watch(
        path,
        { labelSelector: selector, allowWatchBookmarks: true },
        (phase, obj: { metadata?: { labels?: Record<string, string> } }) => {
          if (phase === 'ADDED' || phase === 'MODIFIED') void byRunLabel(obj.metadata?.labels?.[deps.keys.runId]);
        },
        () => setTimeout(() => watch(path, selector), 1_000),
      )
      .then((a) => aborts.push(a))
      .catch(() => setTimeout(() => watch(path, selector), 2_000));
  };
  watch('/apis/batch/v1/jobs', 'app.kubernetes.io/name=codex-k8s-run');
  watch('/api/v1/pods', 'app.kubernetes.io/name=codex-k8s-run');
  const resync = startPeriodic(intervalMs, () => resyncOnce(deps), (err) => deps.log.warn({ err: errorMessage(err) }, 'resync failed'));
  return {
    async close() {
      stopped = true;
      for (const a of aborts) a.abort();
      await resync.close();
    },
  };
}

import { RunCanceledV1, RunJobNotFoundV1, runEndedEventId } from '@codex-k8s/contracts';
import { settleCancel } from './cancel.js';
import { agentFinishOf, agentLogTail, claimRunFinish, completeRunFinish, getRun, listRunsByStatus, setRunLogsTail, type AgentRunRow } from '@codex-k8s/db';
import { observeRunPhase, publishCaused } from '@codex-k8s/flow';
import { exitCodeOf, judgeJob, newestPodsFirst, orUndefinedIfNotFound, type JobVerdict } from '@codex-k8s/kube';
import { counter, errorMessage, startPeriodic } from '@codex-k8s/runtime';
import { Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { LauncherDeps } from './deps.js';
import { nextStep, outcomeOf, terminalOf, terminalOfOutcome, weighAgentReport, type Terminal } from './finish.js';
import { createRunQueue, type RunQueue } from './run-queue.js';
import { revokeRunToken } from './token.js';

/**
 * Finish attempts and finishes, by outcome: `attempted` (a terminal Job seen, the finish claimed for it),
 * `finished` (the claim won: exactly one per run), `already_claimed` (another evaluation or replica won),
 * `recovered` (a claim left unsettled by a crash or an error, settled by a later pass).
 */
export const runFinishTotal = counter('codexk8s_run_finish_total', 'Run finish attempts and finishes by outcome', ['outcome'] as const);

/** The Job's verdict and the pods it was judged from (also the source of the log tail). */
async function observe(deps: LauncherDeps, name: string, namespace: string): Promise<{ verdict: JobVerdict | 'not_found'; pods: V1Pod[] }> {
  const job = await orUndefinedIfNotFound(deps.batch.readNamespacedJob({ name, namespace }));
  if (!job) return { verdict: 'not_found', pods: [] };
  const pods = await podsOf(deps, name, namespace);
  const events = (await deps.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.kind=Job,involvedObject.name=${name},reason=FailedCreate` })).items;
  const first = events
    .map((ev) => ({ message: ev.message ?? 'pods could not be created', firstSeen: new Date(ev.firstTimestamp ?? ev.eventTime ?? ev.metadata?.creationTimestamp ?? Date.now()) }))
    .sort((a, b) => a.firstSeen.getTime() - b.firstSeen.getTime())[0];
  return { verdict: judgeJob({ job, pods, failedCreate: first ?? null, now: new Date(), createDeadlineMs: deps.job.createDeadlineMs }), pods };
}

export async function podsOf(deps: LauncherDeps, name: string, namespace: string): Promise<V1Pod[]> {
  return (await deps.core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` })).items;
}

/**
 * The end of the agent's output (stdout and stderr) in the Job's newest pod, read through the apiserver, or the
 * reason it could not be read (no pod left, or a node that serves no logs, such as the local stack's kwok nodes).
 * setRunLogsTail keeps the end of it (64,000 characters).
 */
async function logsTail(deps: LauncherDeps, pods: readonly V1Pod[], namespace: string): Promise<string> {
  try {
    const pod = newestPodsFirst(pods)[0];
    if (!pod?.metadata?.name) return '(logs unavailable: no pod of the Job is left)';
    // The end of it is what matters (the error is last): no byte limit here, which would keep the start.
    return await deps.core.readNamespacedPodLog({ name: pod.metadata.name, namespace, container: 'run', tailLines: 2_000 });
  } catch (err) {
    return `(logs unavailable: ${errorMessage(err).slice(0, 500)})`;
  }
}

/** How much of the agent's output is kept with the run (setRunLogsTail keeps this much). */
const TAIL_CHARS = 64_000;

/**
 * The agent's output: the pod's log while it can be read (it also has what the runner printed itself, and what a
 * crashed runner never sent), else the log the agent streamed to agent-gateway (pods gone, nodes without logs).
 */
export async function agentOutput(deps: LauncherDeps, runId: string, pods: readonly V1Pod[], namespace: string): Promise<string> {
  const fromPod = await logsTail(deps, pods, namespace);
  if (!fromPod.startsWith('(logs unavailable')) return fromPod;
  const streamed = await agentLogTail(deps.db, runId, TAIL_CHARS).catch(() => '');
  return streamed ? `(from the log the agent streamed; the pod's: ${fromPod.slice(1, -1)})\n${streamed}` : fromPod;
}

/**
 * The side effects of a claimed finish: the agent's output stored with the run first (the terminal event makes the
 * namespace go, and its pods with it; a settle after a crash keeps what an earlier attempt stored), then the terminal
 * event (its id is the same for every outcome of the run and every attempt, so a settle repeated after a crash is
 * deduplicated by JetStream and by flow_events), then the final status.
 */
async function settle(deps: LauncherDeps, run: AgentRunRow & { job_name: string; job_namespace: string; project_id: string; runtime_mode: 'full-env' | 'code-only' }, t: Terminal, pods: readonly V1Pod[], output?: string): Promise<void> {
  if (run.agent_logs_tail === null) await setRunLogsTail(deps.db, run.id, output ?? (await agentOutput(deps, run.id, pods, run.job_namespace)));
  // The verdict is in: the agent's token stops working before anyone hears the run ended.
  await revokeRunToken(deps, run);
  // Caused by the Job, not by an event: the run's correlation id, no causation.
  await publishCaused(deps.bus, t.def, { correlationId: run.correlation_id }, {
    runId: run.id,
    id: runEndedEventId(run.id),
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
      exit_code: t.exitCode,
    },
  });
  await completeRunFinish(deps.db, run.id, t.status);
  observeRunPhase('finished', run.created_at);
  deps.log.info({ run: run.id, outcome: t.def.type, reason: t.reason }, 'run finished');
}

/**
 * One evaluation of a run (always through the run queue, so never two of one run at once in this process).
 *
 * Claim, then publish: the finish is claimed against the row first (claimRunFinish: one conditional UPDATE on a
 * running, unclaimed row), and only the winner publishes the terminal event, reads the logs and ends the row. So
 * a run is finished once however many watch events, resync passes and replicas look at it. The crash window
 * between the claim and the publish is covered by the row itself: a claimed run stays `running` with its outcome
 * recorded, so the resync finds it and, once the claim is older than CLAIM_GRACE_MS (its claimer is gone),
 * publishes the recorded terminal event again under the same deterministic id and ends the row. Publish-then-claim
 * was the old order: every evaluator published, read logs and wrote the row, and only the event id kept that from
 * showing.
 */
export async function evaluateRun(deps: LauncherDeps, runId: string): Promise<void> {
  const run = await getRun(deps.db, runId);
  const step = nextStep(run, new Date());
  if (!run?.job_name || !run.job_namespace || step === 'none' || step === 'wait') return;
  if (!run.project_id || !run.runtime_mode) return;
  const live = { ...run, job_name: run.job_name, job_namespace: run.job_namespace, project_id: run.project_id, runtime_mode: run.runtime_mode };
  if (step === 'settle' && run.outcome?.event_type === RunCanceledV1.type) {
    deps.log.warn({ run: run.id }, 'cancel claimed but not settled; finishing it');
    await settleCancel(deps, live, run.outcome);
    runFinishTotal.inc({ outcome: 'recovered' });
    return;
  }
  if (step === 'settle') {
    const t = run.outcome ? terminalOfOutcome(run.outcome) : undefined;
    if (!t) return;
    deps.log.warn({ run: run.id, outcome: t.def.type }, 'finish claimed but not settled; publishing its terminal event again');
    const pods = await podsOf(deps, live.job_name, live.job_namespace).catch(() => []);
    await settle(deps, live, t, pods);
    runFinishTotal.inc({ outcome: 'recovered' });
    return;
  }
  const seen = await observe(deps, live.job_name, live.job_namespace);
  const byJob = terminalOf(seen.verdict, exitCodeOf(seen.pods));
  if (!byJob) return;
  // The agent's own report is the second witness (a runner reports `finished` before it exits, so it is stored by now).
  const report = await agentFinishOf(deps.db, run.id);
  const expected = deps.agent.runner !== '';
  const output = expected && !report && byJob.def !== RunJobNotFoundV1 ? await agentOutput(deps, run.id, seen.pods, live.job_namespace) : undefined;
  const t = weighAgentReport(byJob, report, { expected, log: output ?? '' });
  runFinishTotal.inc({ outcome: 'attempted' });
  const claimed = await claimRunFinish(deps.db, run.id, outcomeOf(t));
  if (!claimed) {
    runFinishTotal.inc({ outcome: 'already_claimed' });
    return;
  }
  runFinishTotal.inc({ outcome: 'finished' });
  await settle(deps, live, t, seen.pods, output);
}

/** One resync pass: every running run through the queue (finds what the watch missed, e.g. while this service was down). */
export async function resyncOnce(deps: LauncherDeps, queue: RunQueue): Promise<number> {
  const runs = await listRunsByStatus(deps.db, ['running']);
  await Promise.all(runs.map((r) => queue.schedule(r.id)));
  return runs.length;
}

/**
 * Follows agent Jobs: a watch on Jobs and on their pods (managed-by label) and a periodic resync all feed one
 * de-duplicated queue of runs to evaluate (createRunQueue). An evaluation that fails (Postgres restarting, the
 * apiserver slow) is logged and the next resync retries it. A watch that ends (410 Gone, disconnect) is restarted
 * from a fresh list, and the resync covers the gap.
 */
export function startFollower(deps: LauncherDeps, kc: KubeConfig, opts: { intervalMs: number; concurrency: number }): { close(): Promise<void> } {
  let stopped = false;
  const aborts: AbortController[] = [];
  const queue = createRunQueue({
    concurrency: opts.concurrency,
    evaluate: (runId) => evaluateRun(deps, runId),
    onError: (runId, err) => deps.log.warn({ run: runId, err: errorMessage(err) }, 'evaluation failed; resync retries'),
  });
  const byRunLabel = (runLabel: string | undefined): void => {
    if (runLabel && /^[0-9a-f-]{36}$/.test(runLabel)) queue.request(runLabel);
  };
  const watch = (path: string, selector: string): void => {
    if (stopped) return;
    const w = new Watch(kc);
    w.watch(
      path,
      { labelSelector: selector, allowWatchBookmarks: true },
      (phase, obj: { metadata?: { labels?: Record<string, string> } }) => {
        if (phase === 'ADDED' || phase === 'MODIFIED') byRunLabel(obj.metadata?.labels?.[deps.keys.runId]);
      },
      () => setTimeout(() => watch(path, selector), 1_000),
    )
      .then((a) => aborts.push(a))
      .catch(() => setTimeout(() => watch(path, selector), 2_000));
  };
  watch('/apis/batch/v1/jobs', 'app.kubernetes.io/name=codex-k8s-run');
  watch('/api/v1/pods', 'app.kubernetes.io/name=codex-k8s-run');
  const resync = startPeriodic(opts.intervalMs, () => resyncOnce(deps, queue), (err) => deps.log.warn({ err: errorMessage(err) }, 'resync failed'));
  return {
    async close() {
      stopped = true;
      for (const a of aborts) a.abort();
      await resync.close();
      await queue.close();
    },
  };
}

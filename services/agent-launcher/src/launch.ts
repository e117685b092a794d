import { RunStartedV1, type Envelope } from '@codex-k8s/contracts';
import { getDeployTask, getRun, isLiveRun, markRunStarted, type AgentRunRow } from '@codex-k8s/db';
import { deleteRunJob } from './cancel.js';
import { causeOf, endRunWithLaunchError, observeRunPhase, publishCaused, runKindOf, type Cause } from '@codex-k8s/flow';
import { agentJobName, agentTokenSecretName, buildAgentJob, isAlreadyExists, isPermanentKubeError, kubeErrorMessage, toLabelValue } from '@codex-k8s/kube';
import type { V1Job } from '@kubernetes/client-node';
import type { LauncherDeps } from './deps.js';
import { placementOf, type JobPlacement } from './target.js';
import { issueRunToken } from './token.js';

/** The event that asked for the launch: only its ids are used, every fact comes from the run's row. */
export interface LaunchCause extends Cause {
  readonly runId: string;
  /** The last delivery the consumer allows: a failure now would leave the run pending for ever, so it ends it. */
  readonly lastDelivery?: boolean;
}

/** The cause of a launch: the run the event names, the event's ids and whether this delivery is its last, nothing else of it. */
export function launchCauseOf(e: Envelope<{ run_id: string }>, meta?: { lastDelivery: boolean }): LaunchCause {
  return { ...causeOf(e), runId: e.data.run_id, lastDelivery: meta?.lastDelivery ?? false };
}

/**
 * Whether a failed Job creation ends the run now: an error retrying cannot fix, a Job of another run, or any
 * error on the last delivery (after it the message is dead-lettered and nothing would ever start or end the run).
 * Pure.
 */
export function endsLaunch(opts: { permanent: boolean; lastDelivery: boolean }): boolean {
  return opts.permanent || opts.lastDelivery;
}

/** A Job of our name that belongs to another run: never adopted, the launch fails. */
class ForeignJobError extends Error {}

async function createOrAdopt(deps: LauncherDeps, job: V1Job, runId: string): Promise<{ adopted: boolean; uid: string }> {
  const namespace = job.metadata?.namespace ?? '';
  try {
    const created = await deps.batch.createNamespacedJob({ namespace, body: job });
    return { adopted: false, uid: created.metadata?.uid ?? '' };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const existing = await deps.batch.readNamespacedJob({ name: job.metadata?.name ?? '', namespace });
  if (existing.metadata?.labels?.[deps.keys.runId] !== toLabelValue(runId)) {
    throw new ForeignJobError(`job ${namespace}/${existing.metadata?.name ?? ''} exists and belongs to another run`);
  }
  return { adopted: true, uid: existing.metadata?.uid ?? '' };
}

function jobOf(deps: LauncherDeps, run: AgentRunRow & { project_id: string; runtime_mode: 'full-env' | 'code-only' }, at: JobPlacement): V1Job {
  return buildAgentJob(
    {
      name: agentJobName(run.id),
      namespace: at.namespace,
      runId: run.id,
      projectId: run.project_id,
      correlationId: run.correlation_id,
      runtimeMode: run.runtime_mode,
      slotNo: at.slotNo,
      serviceAccount: at.serviceAccount,
      image: deps.job.image,
      command: deps.job.command,
      backoffLimit: deps.job.backoffLimit,
      ttlSecondsAfterFinished: deps.job.ttlSecondsAfterFinished,
      activeDeadlineSeconds: deps.job.activeDeadlineSeconds,
      env: at.env,
      agent: { gatewayUrl: deps.agent.gatewayUrl, tokenSecret: agentTokenSecretName(run.id), ...(deps.agent.runner ? { runner: deps.agent.runner } : {}) },
    },
    deps.keys,
  );
}

/** The Job of a run that ended while it was being created (a staff cancel) is deleted, not followed. */
async function dropJobOfEndedRun(deps: LauncherDeps, runId: string, name: string, namespace: string): Promise<void> {
  await deleteRunJob(deps, name, namespace);
  deps.log.info({ run: runId, job: `${namespace}/${name}` }, 'the run ended while its job was created; job deleted');
}

/**
 * The launch core shared by the three input handlers (run-created.ts, namespace-prepared.ts, slot-ready.ts).
 * Starts the agent Job of a run exactly once when `trigger` (an event type) is the step its route waits for: create, or adopt
 * the Job a previous attempt created (never a second one), then `run.started`, then the run row moves to
 * running. Where the Job goes and as whom is read from the run row (placementOf), never from the event. A Job the
 * API refuses ends the run with `run.failed.launch_error` (`job_create_failed`); transient errors are retried by
 * redelivery, and one still failing on the last delivery ends the run the same way.
 */
export async function launchRun(deps: LauncherDeps, trigger: string, cause: LaunchCause): Promise<void> {
  const run = await getRun(deps.db, cause.runId);
  const task = run && runKindOf(run) === 'slot' ? await getDeployTask(deps.db, run.id) : undefined;
  const at = placementOf(trigger, run, task, deps.placement);
  if (!run?.project_id || !run.runtime_mode || !at) return;
  const live = { ...run, project_id: run.project_id, runtime_mode: run.runtime_mode };
  const job = jobOf(deps, live, at);
  const name = job.metadata?.name ?? '';
  const ref = { run_id: run.id, project_id: run.project_id, runtime_mode: run.runtime_mode, namespace: run.namespace };
  let adopted: boolean;
  try {
    let uid: string;
    ({ adopted, uid } = await createOrAdopt(deps, job, run.id));
    // The token after the Job (its Secret is owned by the Job; the kubelet waits for the Secret to mount it). A run
    // already running got its token from the launch that started it: a redelivery must not replace a token in use.
    if (run.status !== 'running') await issueRunToken(deps, live, { name, namespace: at.namespace, uid }, cause);
  } catch (err) {
    const permanent = err instanceof ForeignJobError || isPermanentKubeError(err);
    if (!endsLaunch({ permanent, lastDelivery: cause.lastDelivery ?? false })) throw err;
    const error = kubeErrorMessage(err);
    if (!permanent) deps.log.error({ run: run.id, err: error }, 'job still not created on the last delivery; ending the run');
    await endRunWithLaunchError(deps, { id: run.id, project_id: run.project_id, runtime_mode: run.runtime_mode, namespace: run.namespace }, cause, { reason: 'job_create_failed', error });
    return;
  }
  // A cancel may have ended the run while its Job was being made: then the Job goes, and nothing starts.
  if (!isLiveRun(await getRun(deps.db, run.id))) return dropJobOfEndedRun(deps, run.id, name, at.namespace);
  await publishCaused(deps.bus, RunStartedV1, cause, {
    runId: run.id,
    data: { ...ref, job_name: name, job_namespace: at.namespace, slot_no: at.slotNo, image: deps.job.image },
  });
  if (!(await markRunStarted(deps.db, run.id, { name, namespace: at.namespace }))) return dropJobOfEndedRun(deps, run.id, name, at.namespace);
  if (!adopted) observeRunPhase('started', run.created_at);
  deps.log.info({ run: run.id, job: `${at.namespace}/${name}`, adopted }, adopted ? 'existing job adopted' : 'job created');
}

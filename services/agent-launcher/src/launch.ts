import { RunLaunchErrorV1, RunStartedV1, deterministicId, runEndedEventId } from '@codex-k8s/contracts';
import { finishRun, getRun, markRunStarted } from '@codex-k8s/db';
import { agentJobName, buildAgentJob, isAlreadyExists, isPermanentKubeError, kubeErrorMessage, toLabelValue } from '@codex-k8s/kube';
import type { V1Job } from '@kubernetes/client-node';
import type { LauncherDeps } from './deps.js';

/** Where and as whom a run's Job runs: the run namespace as `codex-runner` (full-env) or the platform namespace. */
export interface LaunchTarget {
  readonly runId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly namespace: string;
  readonly serviceAccount: string | null;
  readonly slotNo: number;
  /** Extra env for the agent (a slot run gets CODEXK8S_PUBLIC_BASE_URL and CODEXK8S_STAGING_DOMAIN). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A Job of our name that belongs to another run: never adopted, the launch fails. */
class ForeignJobError extends Error {}

async function createOrAdopt(deps: LauncherDeps, job: V1Job, runId: string): Promise<{ adopted: boolean }> {
  const namespace = job.metadata?.namespace ?? '';
  try {
    await deps.batch.createNamespacedJob({ namespace, body: job });
    return { adopted: false };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const existing = await deps.batch.readNamespacedJob({ name: job.metadata?.name ?? '', namespace });
  if (existing.metadata?.labels?.[deps.keys.runId] !== toLabelValue(runId)) {
    throw new ForeignJobError(`job ${namespace}/${existing.metadata?.name ?? ''} exists and belongs to another run`);
  }
  return { adopted: true };
}

/**
 * Starts the agent Job of a run exactly once: create, or adopt the Job a previous attempt created (never a
 * second one), then `run.started`, then the run row moves to running. A Job the API refuses ends the run
 * with `run.failed.launch_error` (`job_create_failed`); transient errors are retried by redelivery.
 */
export async function launchRun(deps: LauncherDeps, t: LaunchTarget): Promise<void> {
  const run = await getRun(deps.db, t.runId);
  if (!run?.project_id || !run.runtime_mode || (run.status !== 'pending' && run.status !== 'running')) return;
  const name = agentJobName(run.id);
  const job = buildAgentJob(
    {
      name,
      namespace: t.namespace,
      runId: run.id,
      projectId: run.project_id,
      correlationId: run.correlation_id,
      runtimeMode: run.runtime_mode,
      slotNo: t.slotNo,
      serviceAccount: t.serviceAccount,
      image: deps.job.image,
      command: deps.job.command,
      backoffLimit: deps.job.backoffLimit,
      ttlSecondsAfterFinished: deps.job.ttlSecondsAfterFinished,
      activeDeadlineSeconds: deps.job.activeDeadlineSeconds,
      ...(t.env ? { env: t.env } : {}),
    },
    deps.keys,
  );
  const ref = { run_id: run.id, project_id: run.project_id, runtime_mode: run.runtime_mode, namespace: run.namespace };
  let adopted: boolean;
  try {
    ({ adopted } = await createOrAdopt(deps, job, run.id));
  } catch (err) {
    if (!(err instanceof ForeignJobError) && !isPermanentKubeError(err)) throw err;
    const error = kubeErrorMessage(err);
    await deps.bus.publish(RunLaunchErrorV1, {
      id: runEndedEventId(run.id),
      correlationId: t.correlationId,
      causationId: t.causationId,
      subject: `run/${run.id}`,
      data: { ...ref, reason: 'job_create_failed', error },
    });
    await finishRun(deps.db, run.id, 'failed', { event_type: RunLaunchErrorV1.type, reason: 'job_create_failed', error });
    return;
  }
  await deps.bus.publish(RunStartedV1, {
    id: deterministicId('run.started', run.id),
    correlationId: t.correlationId,
    causationId: t.causationId,
    subject: `run/${run.id}`,
    data: { ...ref, job_name: name, job_namespace: t.namespace, slot_no: t.slotNo, image: deps.job.image },
  });
  await markRunStarted(deps.db, run.id, { name, namespace: t.namespace });
  deps.log.info({ run: run.id, job: `${t.namespace}/${name}`, adopted }, adopted ? 'existing job adopted' : 'job created');
}

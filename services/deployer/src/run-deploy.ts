import { RunNamespacePreparedV1, SlotDeployedV1, SlotUnitReadyV1, type Envelope, type RunNamespacePreparedData } from '@codex-k8s/contracts';
import { causeOf, handlesRun, publishCaused } from '@codex-k8s/flow';
import type { MessageMeta } from '@codex-k8s/bus';
import { appendDeployLog, deployProgressOf, getDeployTask, getRun, isLiveRun, lastFingerprint, redeployBrokeSlot, saveDeployProgress, setDeployTask } from '@codex-k8s/db';
import { isPermanentKubeError } from '@codex-k8s/kube';
import { RetryAfter } from '@codex-k8s/runtime';
import { directorySource } from '@codex-k8s/services-config';
import { ClusterScopedError, UnitError } from './apply.js';
import { deployStep, type StepDeps } from './deploy.js';
import type { DeployerDeps } from './deps.js';
import { NAME } from './deps.js';
import { bindingOf, claimSlotNamespace, failSlotRun, isPermanentDeployError, launchErrorReasonOf, loadSlotStack } from './slot.js';
import { TenantPolicyError } from './tenant-policy.js';
import { slotVars } from './vars.js';

/**
 * `run.namespace.prepared` of a slot run: one step of deploying the project's stack at the leased commit into the
 * slot namespace (deployStep: in order, each unit ready before the next, `slot.unit.ready` per unit, stage logs
 * persisted), then `slot.deployed` with the host and public URL. While a unit is not ready the message is handed
 * back (RetryAfter) and the next delivery, on any replica, continues from the progress saved on the deploy task.
 * An unchanged desired state applies nothing. A broken file, a cluster-scoped object, a host nothing issues a
 * certificate for, or a unit that fails or times out ends the run (`run.failed.launch_error`, runtime_deploy_failed,
 * with the cause); other errors are retried until the step's deadline (deployDeadline), then end the run.
 * @throws RetryAfter while waiting; other errors to be retried.
 */
export async function handleSlotPrepared(deps: DeployerDeps, e: Envelope<RunNamespacePreparedData>, meta: MessageMeta): Promise<void> {
  const found = await getRun(deps.db, e.data.run_id);
  const task = await getDeployTask(deps.db, e.data.run_id);
  if (!found?.project_id || !task || !isLiveRun(found) || !handlesRun(found, NAME, RunNamespacePreparedV1.type)) return;
  const run = { ...found, project_id: found.project_id };
  const ctx = causeOf(e);
  const progress = deployProgressOf(task);
  const log = (stage: string, message: string, level: 'info' | 'error' = 'info') => {
    deps.log[level]({ run: run.id, stage }, message);
    void appendDeployLog(deps.db, run.id, [{ stage, level, message }]).catch(() => undefined);
  };
  try {
    const repo = await bindingOf(deps, run.project_id, task.repository_full_name);
    const { snapshot, stack } = await loadSlotStack(deps, { cloneUrl: repo.cloneUrl, ref: task.commit_sha ?? task.build_ref, servicesYaml: task.services_yaml_path, slot: task.slot_no });
    // The namespace was claimed for this project at lease time; the check is repeated because this is where it is written to.
    await claimSlotNamespace(deps, run, stack.namespace);
    if (progress.fingerprint === null) log('repo-sync', `services.yaml at ${snapshot.commit.slice(0, 12)} for ${stack.env} slot ${stack.slot}: namespace ${stack.namespace}, host ${stack.host ?? '(none)'}`);
    const vars = slotVars(stack, { clusterIssuer: deps.config.CODEXK8S_CLUSTER_ISSUER });
    const result = await deployStep(
      stepDepsOf(deps),
      {
        src: directorySource(snapshot.dir),
        stack,
        vars,
        reserved: deps.reserved,
        previousFingerprint: await previousFingerprintOf(deps, run.project_id, stack.namespace),
        progress,
        saveProgress: (p) => saveDeployProgress(deps.db, run.id, p),
        log,
        onUnitReady: async (p) => {
          await publishCaused(deps.bus, SlotUnitReadyV1, ctx, {
            runId: run.id,
            idParts: [p.unit.name],
            data: { run_id: run.id, project_id: run.project_id, namespace: stack.namespace, slot_no: stack.slot, unit: p.unit.name, group: p.unit.group, kind: p.unit.kind, objects: [...p.objects], started_at: p.startedAt.toISOString(), ready_at: p.readyAt.toISOString() },
          });
        },
      },
    );
    if (result.state === 'waiting') throw new RetryAfter(result.delayMs, `slot deploy of run ${run.id}: waiting for ${result.awaiting}`);
    await setDeployTask(deps.db, run.id, { status: 'succeeded', fingerprint: result.fingerprint, host: stack.host });
    await publishCaused(deps.bus, SlotDeployedV1, ctx, {
      runId: run.id,
      data: {
        run_id: run.id,
        project_id: run.project_id,
        namespace: stack.namespace,
        slot_no: stack.slot,
        host: stack.host,
        public_url: vars.CODEXK8S_PUBLIC_BASE_URL ?? null,
        fingerprint: result.fingerprint,
        unchanged: result.unchanged,
        tls_secret: stack.host ? (vars.CODEXK8S_TLS_SECRET_NAME ?? null) : null,
      },
    });
  } catch (err) {
    if (err instanceof RetryAfter) throw err;
    const message = (err as Error).message;
    log('reconcile', message, 'error');
    const overdue = meta.lastDelivery || Date.now() > deployDeadline(progress, meta.publishedAt, deps.config).getTime();
    if (endsTheRun(err, overdue)) return failSlotRun(deps, run, ctx, message, launchErrorReasonOf(err));
    throw err;
  }
}

/** How the deployer's steps apply and wait (the same for a run's deploy and a staff redeploy). */
export function stepDepsOf(deps: DeployerDeps): StepDeps {
  return {
    applier: deps.applier,
    pods: { reader: deps.pods, pullGraceMs: deps.config.CODEXK8S_DEPLOY_PULL_ERROR_GRACE_MS },
    fieldManager: NAME,
    timeoutMs: deps.config.CODEXK8S_RUNTIME_DEPLOY_ROLLOUT_TIMEOUT_MS,
    pollMs: deps.config.CODEXK8S_DEPLOY_POLL_MS,
  };
}

/**
 * The fingerprint a run's deploy may skip against: the project's last successful run deploy into the namespace,
 * unless a staff redeploy failed part-way there since (it may have deleted a Job or left a unit half-rolled, so the
 * slot no longer matches that fingerprint and everything is applied again).
 */
async function previousFingerprintOf(deps: DeployerDeps, projectId: string, namespace: string): Promise<string | undefined> {
  if (await redeployBrokeSlot(deps.db, projectId, namespace)) return undefined;
  return lastFingerprint(deps.db, projectId, namespace);
}

/**
 * Until when a deploy step that keeps failing (apiserver or repository unreachable) is retried before the run ends:
 * a unit has the rollout timeout from its start, whatever gets in its way; before the first unit started, the retry
 * window counts from when the deploy was asked for (the message's publish time, which redeliveries keep). Pure.
 */
export function deployDeadline(progress: { unitStartedAt: Date | null }, publishedAt: Date, c: Pick<DeployerDeps['config'], 'CODEXK8S_RUNTIME_DEPLOY_ROLLOUT_TIMEOUT_MS' | 'CODEXK8S_DEPLOY_RETRY_WINDOW_MS'>): Date {
  if (progress.unitStartedAt) return new Date(progress.unitStartedAt.getTime() + c.CODEXK8S_RUNTIME_DEPLOY_ROLLOUT_TIMEOUT_MS);
  return new Date(publishedAt.getTime() + c.CODEXK8S_DEPLOY_RETRY_WINDOW_MS);
}

/**
 * Deploy errors a redelivery cannot fix: a broken file or template, a cluster-scoped object or one reaching beyond
 * the slot, a namespace of another project, an object the apiserver refuses as invalid or by admission policy, a unit that failed or
 * timed out, a kind the cluster does not serve; and any error once the step is overdue. Pure.
 */
export function endsTheRun(err: unknown, overdue: boolean): boolean {
  return overdue || isPermanentDeployError(err) || isPermanentKubeError(err) || err instanceof ClusterScopedError || err instanceof TenantPolicyError || err instanceof UnitError;
}

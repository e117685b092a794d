import { SlotDeployedV1, SlotUnitReadyV1, deterministicId, type Envelope, type RunNamespacePreparedData } from '@codex-k8s/contracts';
import type { MessageMeta } from '@codex-k8s/bus';
import { appendDeployLog, getDeployTask, getRun, lastFingerprint, setDeployTask, isLiveRun } from '@codex-k8s/db';
import { isPermanentKubeError } from '@codex-k8s/kube';
import { directorySource } from '@codex-k8s/services-config';
import { ClusterScopedError, UnitError } from './apply.js';
import { deployStack } from './deploy.js';
import type { DeployerDeps } from './deps.js';
import { NAME } from './deps.js';
import { bindingOf, claimSlotNamespace, failSlotRun, isPermanentDeployError, launchErrorReasonOf, loadSlotStack } from './slot.js';
import { TenantPolicyError } from './tenant-policy.js';
import { slotVars } from './vars.js';

/**
 * `run.namespace.prepared` of a slot run: deploy the project's stack at the leased commit into the slot
 * namespace (in order, each unit ready before the next, `slot.unit.ready` per unit, stage logs persisted), then
 * `slot.deployed` with the host and public URL. An unchanged desired state applies nothing. A broken file, a
 * cluster-scoped object or a unit that fails or times out ends the run (`run.failed.launch_error`,
 * runtime_deploy_failed, with the cause); other errors are retried.
 */
export async function handleSlotPrepared(deps: DeployerDeps, e: Envelope<RunNamespacePreparedData>, meta: MessageMeta): Promise<void> {
  const run = await getRun(deps.db, e.data.run_id);
  const task = await getDeployTask(deps.db, e.data.run_id);
  if (!run?.project_id || !run.runtime_deploy || !task || !isLiveRun(run)) return;
  const ctx = { correlationId: e.correlationid, causationId: e.id };
  const log = (stage: string, message: string, level: 'info' | 'error' = 'info') => {
    deps.log[level]({ run: run.id, stage }, message);
    void appendDeployLog(deps.db, run.id, [{ stage, level, message }]).catch(() => undefined);
  };
  try {
    const repo = await bindingOf(deps, run.project_id, task.repository_full_name);
    const { snapshot, stack } = await loadSlotStack(deps, { cloneUrl: repo.cloneUrl, ref: task.commit_sha ?? task.build_ref, servicesYaml: task.services_yaml_path, slot: task.slot_no });
    // The namespace was claimed for this project at lease time; the check is repeated because this is where it is written to.
    await claimSlotNamespace(deps, { ...run, project_id: run.project_id }, stack.namespace);
    log('repo-sync', `services.yaml at ${snapshot.commit.slice(0, 12)} for ${stack.env} slot ${stack.slot}: namespace ${stack.namespace}, host ${stack.host ?? '(none)'}`);
    const vars = slotVars(stack, { clusterIssuer: deps.config.CODEXK8S_CLUSTER_ISSUER });
    const result = await deployStack(
      { applier: deps.applier, fieldManager: NAME, timeoutMs: deps.config.CODEXK8S_RUNTIME_DEPLOY_ROLLOUT_TIMEOUT_MS, pollMs: 1_000 },
      {
        src: directorySource(snapshot.dir),
        stack,
        vars,
        reserved: deps.reserved,
        previousFingerprint: await lastFingerprint(deps.db, run.project_id, stack.namespace),
        log,
        onUnitReady: async (p) => {
          await deps.bus.publish(SlotUnitReadyV1, {
            id: deterministicId('slot.unit.ready', run.id, p.unit.name),
            correlationId: e.correlationid,
            causationId: e.id,
            subject: `run/${run.id}`,
            data: { run_id: run.id, project_id: run.project_id ?? '', namespace: stack.namespace, slot_no: stack.slot, unit: p.unit.name, group: p.unit.group, kind: p.unit.kind, objects: [...p.objects], started_at: p.startedAt.toISOString(), ready_at: p.readyAt.toISOString() },
          });
        },
      },
    );
    await setDeployTask(deps.db, run.id, { status: 'succeeded', fingerprint: result.fingerprint, host: stack.host });
    await deps.bus.publish(SlotDeployedV1, {
      id: deterministicId('slot.deployed', run.id),
      correlationId: e.correlationid,
      causationId: e.id,
      subject: `run/${run.id}`,
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
    const message = (err as Error).message;
    log('reconcile', message, 'error');
    if (endsTheRun(err, meta.lastDelivery)) return failSlotRun(deps, run, ctx, message, launchErrorReasonOf(err));
    throw err;
  }
}

/**
 * Deploy errors a redelivery cannot fix: a broken file or template, a cluster-scoped object or one reaching beyond
 * the slot, a namespace of another project, an object the apiserver refuses as invalid or by admission policy, a unit that failed or
 * timed out, a kind the cluster does not serve; and any error on the last allowed delivery. Pure.
 */
export function endsTheRun(err: unknown, lastDelivery: boolean): boolean {
  return lastDelivery || isPermanentDeployError(err) || isPermanentKubeError(err) || err instanceof ClusterScopedError || err instanceof TenantPolicyError || err instanceof UnitError;
}

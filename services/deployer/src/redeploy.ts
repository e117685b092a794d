import type { Envelope, SlotRedeployRequestedData } from '@codex-k8s/contracts';
import type { MessageMeta } from '@codex-k8s/bus';
import { causeOf, type Cause } from '@codex-k8s/flow';
import {
  appendRedeployLog,
  finishSlotRedeploy,
  getDeployTask,
  lastSlotDeploy,
  leaseSlotFor,
  redeployProgressOf,
  releaseSlotOf,
  saveRedeployProgress,
  slotRedeployOf,
  startSlotRedeploy,
  type DeployProgress,
  type NewSlotRedeploy,
  type RedeployEnd,
  type RedeployFailureReason,
  type RuntimeDeployTaskRow,
  type SlotRedeployRow,
} from '@codex-k8s/db';
import { RetryAfter } from '@codex-k8s/runtime';
import { directorySource } from '@codex-k8s/services-config';
import { deployStep } from './deploy.js';
import type { DeployerDeps } from './deps.js';
import { afterLease, redeployOwner, redeployStart } from './redeploy-decision.js';
import { publishRedeployResult } from './redeploy-result.js';
import { deployDeadline, endsTheRun, stepDepsOf } from './run-deploy.js';
import { bindingOf, claimSlotNamespace, loadSlotStack } from './slot.js';
import { slotVars } from './vars.js';

/** The deploy a redeploy repeats cannot be repeated as recorded (gone, or resolving elsewhere now): retrying cannot help. */
export class RedeploySourceError extends Error {
  override readonly name = 'RedeploySourceError';
}

/**
 * `slot.redeploy_requested` (staff console): applies the slot's last successful deploy again (its repository,
 * commit and services.yaml path, into the same namespace), every unit in order with readiness, under a fingerprint
 * salted with the redeploy id so nothing counts as unchanged. Facts come from the database, not from the request:
 * a slot never deployed (into that namespace) is refused `never_deployed`, a slot a run (or another redeploy) holds
 * `slot_leased`. The slot is leased to `redeploy/<id>` for the whole redeploy, so no run deploys into it meanwhile,
 * and freed at the end. Each delivery is one short step (deployStep) whose progress is kept on the slot_redeploys
 * row; a unit not ready hands the message back (RetryAfter). A request whose row has ended publishes its result again.
 * @throws RetryAfter while a unit is not ready; other errors to be retried until the deploy deadline.
 */
export async function handleRedeployRequested(deps: DeployerDeps, e: Envelope<SlotRedeployRequestedData>, meta: MessageMeta): Promise<void> {
  const req = e.data;
  const ctx = causeOf(e);
  const existing = await slotRedeployOf(deps.db, req.redeploy_id);
  const last = existing ? undefined : await lastSlotDeploy(deps.db, req.project_id, req.slot_no);
  const start = redeployStart({ row: existing, lastDeploy: last, namespace: req.namespace, slotNo: req.slot_no });
  if (start.action === 'republish') return existing && settle(deps, existing, ctx);
  if (start.action === 'refuse') return settle(deps, await startSlotRedeploy(deps.db, newRedeploy(req, undefined, start)), ctx);
  const lease = await leaseSlotFor(deps.db, { projectId: req.project_id, slotNo: req.slot_no, owner: redeployOwner(req.redeploy_id), ttlMs: deps.config.CODEXK8S_WORKER_SLOT_LEASE_TTL_MS });
  const next = afterLease(lease, existing !== undefined, req.slot_no);
  if (next.action === 'refuse') return settle(deps, await startSlotRedeploy(deps.db, newRedeploy(req, undefined, next)), ctx);
  if (next.action === 'lost') return end(deps, req.redeploy_id, { status: 'failed', reason: 'deploy_failed', error: next.error }, ctx);
  // Recorded only once the slot is ours: a running row always has its lease (or had it, until it expired).
  const row = existing ?? (await startSlotRedeploy(deps.db, newRedeploy(req, last)));
  if (row.status !== 'running') return settle(deps, row, ctx);
  await redeployStep(deps, row, ctx, meta);
}

/** The row a request is first recorded as: repeating `last` (the slot's last deploy), or refused. Pure. */
export function newRedeploy(req: SlotRedeployRequestedData, last: Pick<RuntimeDeployTaskRow, 'run_id' | 'commit_sha' | 'host'> | undefined, refused?: { reason: RedeployFailureReason; error: string }): NewSlotRedeploy {
  return {
    id: req.redeploy_id,
    projectId: req.project_id,
    slotNo: req.slot_no,
    namespace: req.namespace,
    requestedBy: req.requested_by,
    sourceRunId: last?.run_id ?? null,
    commitSha: last?.commit_sha ?? null,
    host: last?.host ?? null,
    ...(refused ? { refused: { reason: refused.reason, error: refused.error } } : {}),
  };
}

/** One step of a running redeploy: deploy from its saved progress, then end it (or hand the message back). */
async function redeployStep(deps: DeployerDeps, row: SlotRedeployRow, ctx: Cause, meta: MessageMeta): Promise<void> {
  const progress = redeployProgressOf(row);
  const log = (stage: string, message: string, level: 'info' | 'error' = 'info') => {
    deps.log[level]({ redeploy: row.id, project: row.project_id, slot: row.slot_no, stage }, message);
    void appendRedeployLog(deps.db, row.id, [{ stage, level, message }]).catch(() => undefined);
  };
  try {
    const task = row.source_run_id ? await getDeployTask(deps.db, row.source_run_id) : undefined;
    if (!task) throw new RedeploySourceError(`the deploy of slot ${row.slot_no} to repeat is no longer recorded`);
    const repo = await bindingOf(deps, row.project_id, task.repository_full_name);
    const { snapshot, stack } = await loadSlotStack(deps, { cloneUrl: repo.cloneUrl, ref: task.commit_sha ?? task.build_ref, servicesYaml: task.services_yaml_path, slot: row.slot_no });
    if (stack.namespace !== row.namespace) throw new RedeploySourceError(`services.yaml at ${snapshot.commit.slice(0, 12)} resolves slot ${row.slot_no} to ${stack.namespace}, not ${row.namespace}`);
    // Claimed at the run's lease already; checked again because this is where the redeploy writes.
    await claimSlotNamespace(deps, row, stack.namespace);
    if (progress.fingerprint === null) log('repo-sync', `redeploy by ${row.requested_by} of run ${task.run_id}'s deploy: services.yaml at ${snapshot.commit.slice(0, 12)} for ${stack.env} slot ${stack.slot}: namespace ${stack.namespace}, host ${stack.host ?? '(none)'}`);
    const result = await deployStep(stepDepsOf(deps), {
      src: directorySource(snapshot.dir),
      stack,
      vars: slotVars(stack, { clusterIssuer: deps.config.CODEXK8S_CLUSTER_ISSUER }),
      reserved: deps.reserved,
      // No previous fingerprint, and a salted one: every unit is applied again (Jobs replaced), in order.
      salt: row.id,
      progress,
      saveProgress: (p) => saveRedeployProgress(deps.db, row.id, p),
      log,
    });
    if (result.state === 'waiting') throw new RetryAfter(result.delayMs, `redeploy ${row.id} of slot ${row.slot_no}: waiting for ${result.awaiting}`);
    log('redeploy', `every unit applied again and ready (fingerprint ${result.fingerprint.slice(0, 12)})`);
    await end(deps, row.id, { status: 'succeeded', fingerprint: result.fingerprint, commitSha: snapshot.commit, host: stack.host }, ctx);
  } catch (err) {
    if (err instanceof RetryAfter) throw err;
    const message = (err as Error).message;
    log('reconcile', message, 'error');
    if (endsTheRedeploy(err, meta, progress, deps.config)) return end(deps, row.id, { status: 'failed', reason: 'deploy_failed', error: message }, ctx);
    throw err;
  }
}

/** A failure that ends the redeploy: one that ends a run's deploy (same deadline and rules), or a source gone. Pure. */
export function endsTheRedeploy(err: unknown, meta: Pick<MessageMeta, 'lastDelivery' | 'publishedAt'>, progress: DeployProgress, c: Parameters<typeof deployDeadline>[2]): boolean {
  const overdue = meta.lastDelivery || Date.now() > deployDeadline(progress, meta.publishedAt, c).getTime();
  return err instanceof RedeploySourceError || endsTheRun(err, overdue);
}

/** Ends a running redeploy (its first end stands), then frees the slot and publishes the result. */
async function end(deps: DeployerDeps, id: string, how: RedeployEnd, ctx: Cause): Promise<void> {
  const row = await finishSlotRedeploy(deps.db, id, how);
  if (row) await settle(deps, row, ctx);
}

/**
 * A redeploy that has ended: its slot freed if this redeploy still holds it (a crash may have come between the end
 * and the release), then its result published (again: the same id, so it is recorded once).
 */
async function settle(deps: DeployerDeps, row: SlotRedeployRow, ctx: Cause): Promise<void> {
  // Another delivery of the same request is running it (a refusal found its row already started): that one ends it.
  if (row.status === 'running') return;
  const freed = await releaseSlotOf(deps.db, { projectId: row.project_id, slotNo: row.slot_no, owner: redeployOwner(row.id) });
  await publishRedeployResult(deps.bus, row, ctx);
  deps.log.info({ redeploy: row.id, project: row.project_id, slot: row.slot_no, status: row.status, reason: row.failure_reason, error: row.last_error, freed }, 'slot redeploy ended');
}

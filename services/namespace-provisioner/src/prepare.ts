import { RunNamespacePreparedV1, type Envelope, type LaunchErrorReason, type RunCreatedData } from '@codex-k8s/contracts';
import type { MessageMeta } from '@codex-k8s/bus';
import { namespaceOwner, type AgentRunRow, isLiveRun } from '@codex-k8s/db';
import { causeOf, endRunWithLaunchError, observeRunPhase, publishCaused, runKindOf, stepOf, type Cause, type LaunchFailure } from '@codex-k8s/flow';
import { buildBaseline, isManagedNamespace, isOwnedBy, isPermanentKubeError, kubeErrorMessage, namespaceLabels, orUndefinedIfNotFound, placementAnnotations } from '@codex-k8s/kube';
import { errorMessage } from '@codex-k8s/runtime';
import type { V1Namespace } from '@kubernetes/client-node';
import { NAME, type ProvisionerDeps } from './deps.js';

/** A namespace we must not touch: retrying cannot help. `reason` is the run's launch error reason. */
class NamespaceRefused extends Error {
  constructor(
    readonly reason: LaunchErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** The facts a namespace is prepared from: always the run's own row, never the event that asked for it. */
export interface PrepareTarget {
  readonly run_id: string;
  readonly project_id: string;
  readonly runtime_mode: 'full-env';
  readonly namespace: string;
  readonly issue_number: number | null;
  /** When the run was created: the phase metric counts from here. */
  readonly created_at: Date;
  readonly slot?: { readonly slotNo: number };
}

/**
 * The namespace object we apply: reference labels, the owning project, correlation annotation, Pod Security labels,
 * and the placement every pod in it gets from admission. Pure.
 */
export function desiredNamespace(
  deps: Pick<ProvisionerDeps, 'keys' | 'podSecurityLevel' | 'placement'>,
  d: Pick<RunCreatedData, 'run_id' | 'project_id' | 'runtime_mode' | 'issue_number'> & { namespace: string },
  correlationId: string,
  slot?: { slotNo: number },
): V1Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: d.namespace,
      labels: {
        ...namespaceLabels(deps.keys, { runId: d.run_id, projectId: d.project_id, correlationId, runtimeMode: d.runtime_mode, issueNumber: d.issue_number }, slot),
        'pod-security.kubernetes.io/enforce': deps.podSecurityLevel,
        'pod-security.kubernetes.io/warn': 'restricted',
      },
      annotations: { ...placementAnnotations(deps.placement), [deps.keys.correlationId]: correlationId },
    },
  };
}

/**
 * Creates or adopts the run namespace. An existing namespace is adopted only when it carries our managed labels
 * (never someone else's) and belongs to the run's project (never another tenant's slot); a Terminating one is a
 * retryable condition. Returns whether it was new.
 */
async function ensureNamespace(deps: ProvisionerDeps, desired: V1Namespace, projectId: string): Promise<boolean> {
  const name = desired.metadata?.name ?? '';
  const existing = await orUndefinedIfNotFound(deps.core.readNamespace({ name }));
  const labels = existing?.metadata?.labels;
  if (existing && !isManagedNamespace(deps.keys, labels)) {
    throw new NamespaceRefused('namespace_prepare_failed', `namespace ${name} exists and is not managed by codex-k8s (missing ${deps.keys.managedBy}); refusing to adopt it`);
  }
  if (existing && !isOwnedBy(deps.keys, labels, projectId)) {
    throw new NamespaceRefused('namespace_owned_by_another_project', `namespace ${name} belongs to another project (${deps.keys.ownerProjectId}=${labels?.[deps.keys.ownerProjectId] ?? ''}); refusing to adopt it`);
  }
  if (existing?.metadata?.deletionTimestamp) throw new Error(`namespace ${name} is terminating; retrying`);
  await deps.objects.apply(desired, NAME);
  return !existing;
}

async function failRun(deps: ProvisionerDeps, t: PrepareTarget, cause: Cause, failure: LaunchFailure): Promise<void> {
  await endRunWithLaunchError(deps, { id: t.run_id, project_id: t.project_id, runtime_mode: t.runtime_mode, namespace: t.namespace }, cause, failure);
  deps.log.error({ run: t.run_id, namespace: t.namespace, ...failure }, 'namespace preparation failed; run ended');
}

/**
 * The preparation core shared by the two input handlers (run-created.ts, slot-leased.ts).
 * Namespace plus the baseline, each object server-side applied with this service's field manager, then
 * `run.namespace.prepared`. Idempotent on redelivery. A refusal (unmanaged namespace, another project's
 * namespace, invalid object) or the last allowed attempt ends the run with `run.failed.launch_error` and no Job;
 * other failures are retried with backoff.
 */
export async function prepareNamespace(deps: ProvisionerDeps, t: PrepareTarget, e: Envelope<unknown>, meta: MessageMeta): Promise<void> {
  const cause = causeOf(e);
  try {
    if (t.slot) {
      // The deployer claimed the slot namespace for the run's project when it leased the slot; anything else is refused.
      const owner = await namespaceOwner(deps.db, t.namespace);
      if (owner !== t.project_id) throw new NamespaceRefused('namespace_owned_by_another_project', `slot namespace ${t.namespace} is ${owner ? 'owned by another project' : 'not claimed by the run\'s project'}; refusing to prepare it`);
    }
    const created = await ensureNamespace(deps, desiredNamespace(deps, t, e.correlationid, t.slot), t.project_id);
    const objects = buildBaseline(t.namespace, deps.baseline, deps.keys);
    // Independent objects at once; a RoleBinding after the rest (its Role must exist for the escalation check).
    await Promise.all(objects.filter((o) => o.kind !== 'RoleBinding').map((o) => deps.objects.apply(o, NAME)));
    await Promise.all(objects.filter((o) => o.kind === 'RoleBinding').map((o) => deps.objects.apply(o, NAME)));
    await publishCaused(deps.bus, RunNamespacePreparedV1, cause, {
      runId: t.run_id,
      data: {
        run_id: t.run_id,
        project_id: t.project_id,
        runtime_mode: t.runtime_mode,
        namespace: t.namespace,
        slot_no: t.slot?.slotNo ?? 0,
        created,
        service_account: deps.baseline.serviceAccount,
        objects: objects.map((o) => `${o.kind}/${o.metadata?.name ?? ''}`),
        runtime_deploy: Boolean(t.slot),
      },
    });
    observeRunPhase('namespace_prepared', t.created_at);
    deps.log.info({ run: t.run_id, namespace: t.namespace, created, slot: t.slot?.slotNo }, 'namespace prepared');
  } catch (err) {
    if (err instanceof NamespaceRefused) return failRun(deps, t, cause, { reason: err.reason, error: err.message });
    if (isPermanentKubeError(err) || meta.lastDelivery) return failRun(deps, t, cause, { reason: 'namespace_prepare_failed', error: kubeErrorMessage(err) });
    deps.log.warn({ run: t.run_id, attempt: meta.deliveryCount, err: errorMessage(err) }, 'namespace preparation will be retried');
    throw err;
  }
}

/**
 * A live run's target as its row says when `trigger` (an event type) is a namespace-preparing step of its route
 * (full-env: run.created, its own namespace; slot: slot.leased, the slot namespace the deployer recorded), or
 * undefined when the route says there is nothing to prepare on it. Pure.
 */
export function prepareTargetOf(run: AgentRunRow | undefined, trigger: string): PrepareTarget | undefined {
  if (!run?.project_id || !run.namespace || !isLiveRun(run)) return undefined;
  const kind = runKindOf(run);
  if (!kind || !stepOf(kind, NAME, trigger)?.ok.includes(RunNamespacePreparedV1.type)) return undefined;
  // Only full-env and slot routes prepare a namespace, and both are runtime mode full-env.
  const target = { run_id: run.id, project_id: run.project_id, runtime_mode: 'full-env' as const, namespace: run.namespace, issue_number: run.issue_number, created_at: run.created_at };
  if (kind !== 'slot') return target;
  return run.slot_no ? { ...target, slot: { slotNo: run.slot_no } } : undefined;
}

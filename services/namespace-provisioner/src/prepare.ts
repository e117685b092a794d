import { RunLaunchErrorV1, RunNamespacePreparedV1, deterministicId, runEndedEventId, type Envelope, type LaunchErrorReason, type RunCreatedData, type SlotLeasedData } from '@codex-k8s/contracts';
import type { MessageMeta } from '@codex-k8s/bus';
import { finishRun, getRun, namespaceOwner, type AgentRunRow, isLiveRun } from '@codex-k8s/db';
import { buildBaseline, isManagedNamespace, isNotFound, isOwnedBy, isPermanentKubeError, kubeErrorMessage, namespaceLabels } from '@codex-k8s/kube';
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
  readonly slot?: { readonly slotNo: number };
}

/** The namespace object we apply: reference labels, the owning project, correlation annotation, Pod Security labels. Pure. */
export function desiredNamespace(
  deps: Pick<ProvisionerDeps, 'keys' | 'podSecurityLevel'>,
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
      annotations: { [deps.keys.correlationId]: correlationId },
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
  let existing: V1Namespace | undefined;
  try {
    existing = await deps.core.readNamespace({ name });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
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

async function failRun(deps: ProvisionerDeps, t: PrepareTarget, cause: { correlationId: string; causationId: string }, reason: LaunchErrorReason, error: string): Promise<void> {
  await deps.bus.publish(RunLaunchErrorV1, {
    id: runEndedEventId(t.run_id),
    correlationId: cause.correlationId,
    causationId: cause.causationId,
    subject: `run/${t.run_id}`,
    data: { run_id: t.run_id, project_id: t.project_id, runtime_mode: t.runtime_mode, namespace: t.namespace, reason, error },
  });
  await finishRun(deps.db, t.run_id, 'failed', { event_type: RunLaunchErrorV1.type, reason, error });
  deps.log.error({ run: t.run_id, namespace: t.namespace, reason, error }, 'namespace preparation failed; run ended');
}

/**
 * Namespace plus the baseline, each object server-side applied with this service's field manager, then
 * `run.namespace.prepared`. Idempotent on redelivery. A refusal (unmanaged namespace, another project's
 * namespace, invalid object) or the last allowed attempt ends the run with `run.failed.launch_error` and no Job;
 * other failures are retried with backoff.
 */
export async function prepareNamespace(deps: ProvisionerDeps, t: PrepareTarget, e: Envelope<unknown>, meta: MessageMeta): Promise<void> {
  const cause = { correlationId: e.correlationid, causationId: e.id };
  try {
    if (t.slot) {
      // The deployer claimed the slot namespace for the run's project when it leased the slot; anything else is refused.
      const owner = await namespaceOwner(deps.db, t.namespace);
      if (owner !== t.project_id) throw new NamespaceRefused('namespace_owned_by_another_project', `slot namespace ${t.namespace} is ${owner ? 'owned by another project' : 'not claimed by the run\'s project'}; refusing to prepare it`);
    }
    const created = await ensureNamespace(deps, desiredNamespace(deps, t, e.correlationid, t.slot), t.project_id);
    const objects = buildBaseline(t.namespace, deps.baseline, deps.keys);
    for (const obj of objects) await deps.objects.apply(obj, NAME);
    await deps.bus.publish(RunNamespacePreparedV1, {
      id: deterministicId('run.namespace.prepared', t.run_id),
      correlationId: e.correlationid,
      causationId: e.id,
      subject: `run/${t.run_id}`,
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
    deps.log.info({ run: t.run_id, namespace: t.namespace, created, slot: t.slot?.slotNo }, 'namespace prepared');
  } catch (err) {
    if (err instanceof NamespaceRefused) return failRun(deps, t, cause, err.reason, err.message);
    if (isPermanentKubeError(err) || meta.lastDelivery) return failRun(deps, t, cause, 'namespace_prepare_failed', kubeErrorMessage(err));
    deps.log.warn({ run: t.run_id, attempt: meta.deliveryCount, err: errorMessage(err) }, 'namespace preparation will be retried');
    throw err;
  }
}

/** A live full-env run's target as its row says, or undefined when the row says there is nothing to prepare. Pure. */
export function prepareTargetOf(run: AgentRunRow | undefined, kind: 'run' | 'slot'): PrepareTarget | undefined {
  if (!run?.project_id || !run.namespace || run.runtime_mode !== 'full-env' || !isLiveRun(run)) return undefined;
  if (kind === 'run') return run.runtime_deploy ? undefined : { run_id: run.id, project_id: run.project_id, runtime_mode: 'full-env', namespace: run.namespace, issue_number: run.issue_number };
  if (!run.runtime_deploy || !run.slot_no) return undefined;
  return { run_id: run.id, project_id: run.project_id, runtime_mode: 'full-env', namespace: run.namespace, issue_number: run.issue_number, slot: { slotNo: run.slot_no } };
}

/** `run.created` of a full-env run without a slot deploy: its own namespace, as the run row names it. */
export async function handleRunCreated(deps: ProvisionerDeps, e: Envelope<RunCreatedData>, meta: MessageMeta): Promise<void> {
  const t = prepareTargetOf(await getRun(deps.db, e.data.run_id), 'run');
  if (t) await prepareNamespace(deps, t, e, meta);
}

/** `slot.leased`: the slot's namespace (kept between runs) gets the run labels and the baseline; slot and namespace come from the run row the deployer wrote. */
export async function handleSlotLeased(deps: ProvisionerDeps, e: Envelope<SlotLeasedData>, meta: MessageMeta): Promise<void> {
  const t = prepareTargetOf(await getRun(deps.db, e.data.run_id), 'slot');
  if (t) await prepareNamespace(deps, t, e, meta);
}

import { RunLaunchErrorV1, RunNamespacePreparedV1, deterministicId, runEndedEventId, type Envelope, type RunCreatedData, type SlotLeasedData } from '@codex-k8s/contracts';
import type { MessageMeta } from '@codex-k8s/bus';
import { finishRun, getRun } from '@codex-k8s/db';
import { buildBaseline, isManagedNamespace, isNotFound, isPermanentKubeError, kubeErrorMessage, namespaceLabels } from '@codex-k8s/kube';
import { errorMessage } from '@codex-k8s/runtime';
import type { V1Namespace } from '@kubernetes/client-node';
import { NAME, type ProvisionerDeps } from './deps.js';

/** A namespace we must not touch: retrying cannot help. */
class NamespaceRefused extends Error {}

/** The namespace object we apply: reference labels, correlation annotation, Pod Security labels. Pure. */
export function desiredNamespace(
  deps: Pick<ProvisionerDeps, 'keys' | 'podSecurityLevel'>,
  d: Pick<RunCreatedData, 'run_id' | 'project_id' | 'runtime_mode' | 'issue_number'> & { namespace: string },
  correlationId: string,
  slot?: { slotNo: number },
): V1Namespace {
  const psa: Record<string, string> = deps.podSecurityLevel ? { 'pod-security.kubernetes.io/enforce': deps.podSecurityLevel, 'pod-security.kubernetes.io/warn': 'restricted' } : {};
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: d.namespace,
      labels: {
        ...namespaceLabels(deps.keys, { runId: d.run_id, projectId: d.project_id, correlationId, runtimeMode: d.runtime_mode, issueNumber: d.issue_number }, slot),
        ...psa,
      },
      annotations: { [deps.keys.correlationId]: correlationId },
    },
  };
}

/**
 * Creates or adopts the run namespace. An existing namespace is adopted only when it carries our managed
 * labels (never someone else's), and a Terminating one is a retryable condition. Returns whether it was new.
 */
async function ensureNamespace(deps: ProvisionerDeps, desired: V1Namespace): Promise<boolean> {
  const name = desired.metadata?.name ?? '';
  let existing: V1Namespace | undefined;
  try {
    existing = await deps.core.readNamespace({ name });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (existing && !isManagedNamespace(deps.keys, existing.metadata?.labels)) {
    throw new NamespaceRefused(`namespace ${name} exists and is not managed by codex-k8s (missing ${deps.keys.managedBy}); refusing to adopt it`);
  }
  if (existing?.metadata?.deletionTimestamp) throw new Error(`namespace ${name} is terminating; retrying`);
  await deps.objects.apply(desired, NAME);
  return !existing;
}

async function failRun(deps: ProvisionerDeps, d: PrepareTarget & { correlationId: string; causationId: string }, error: string): Promise<void> {
  await deps.bus.publish(RunLaunchErrorV1, {
    id: runEndedEventId(d.run_id),
    correlationId: d.correlationId,
    causationId: d.causationId,
    subject: `run/${d.run_id}`,
    data: { run_id: d.run_id, project_id: d.project_id, runtime_mode: d.runtime_mode, namespace: d.namespace, reason: 'namespace_prepare_failed', error },
  });
  await finishRun(deps.db, d.run_id, 'failed', { event_type: RunLaunchErrorV1.type, reason: 'namespace_prepare_failed', error });
  deps.log.error({ run: d.run_id, namespace: d.namespace, error }, 'namespace preparation failed; run ended');
}

/** The namespace to prepare for a run: its own (run.created) or its leased slot's (slot.leased). */
export interface PrepareTarget {
  readonly run_id: string;
  readonly project_id: string;
  readonly runtime_mode: 'full-env';
  readonly namespace: string;
  readonly slot?: { readonly slotNo: number };
}

/**
 * Namespace plus the baseline, each object server-side applied with this service's field manager, then
 * `run.namespace.prepared`. Idempotent on redelivery. A refusal (unmanaged namespace, invalid object) or the
 * last allowed attempt ends the run with `run.failed.launch_error` (`namespace_prepare_failed`) and no Job;
 * other failures are retried with backoff.
 */
export async function prepareNamespace(deps: ProvisionerDeps, t: PrepareTarget, e: Envelope<unknown>, meta: MessageMeta): Promise<void> {
  const run = await getRun(deps.db, t.run_id);
  if (!run || (run.status !== 'pending' && run.status !== 'running')) return;
  try {
    // The issue number comes from the run row read above (slot.leased does not carry it).
    const created = await ensureNamespace(deps, desiredNamespace(deps, { ...t, issue_number: run.issue_number }, e.correlationid, t.slot));
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
    if (err instanceof NamespaceRefused || isPermanentKubeError(err) || meta.lastDelivery) {
      return failRun(deps, { ...t, correlationId: e.correlationid, causationId: e.id }, err instanceof NamespaceRefused ? err.message : kubeErrorMessage(err));
    }
    deps.log.warn({ run: t.run_id, attempt: meta.deliveryCount, err: errorMessage(err) }, 'namespace preparation will be retried');
    throw err;
  }
}

/** `run.created` of a full-env run without a slot deploy: its own namespace. */
export async function handleRunCreated(deps: ProvisionerDeps, e: Envelope<RunCreatedData>, meta: MessageMeta): Promise<void> {
  const d = e.data;
  if (d.runtime_mode !== 'full-env' || !d.namespace || d.runtime_deploy) return;
  await prepareNamespace(deps, { run_id: d.run_id, project_id: d.project_id, runtime_mode: 'full-env', namespace: d.namespace }, e, meta);
}

/** `slot.leased`: the slot's namespace (kept between runs) gets the run labels and the baseline. */
export async function handleSlotLeased(deps: ProvisionerDeps, e: Envelope<SlotLeasedData>, meta: MessageMeta): Promise<void> {
  const d = e.data;
  await prepareNamespace(deps, { run_id: d.run_id, project_id: d.project_id, runtime_mode: 'full-env', namespace: d.namespace, slot: { slotNo: d.slot_no } }, e, meta);
}

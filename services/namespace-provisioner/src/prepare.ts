import { RunLaunchErrorV1, RunNamespacePreparedV1, deterministicId, type Envelope, type RunCreatedData } from '@codex-k8s/contracts';
import type { MessageMeta } from '@codex-k8s/bus';
import { finishRun, getRun } from '@codex-k8s/db';
import { applyObject, buildBaseline, isManagedRunNamespace, isNotFound, isPermanentKubeError, kubeErrorMessage, namespaceLabels } from '@codex-k8s/kube';
import { errorMessage } from '@codex-k8s/runtime';
import type { V1Namespace } from '@kubernetes/client-node';
import { NAME, type ProvisionerDeps } from './deps.js';

/** A namespace we must not touch: retrying cannot help. */
class NamespaceRefused extends Error {}

/** The namespace object we apply: reference labels, correlation annotation, Pod Security labels. Pure. */
export function desiredNamespace(deps: Pick<ProvisionerDeps, 'keys' | 'podSecurityLevel'>, d: RunCreatedData & { namespace: string }, correlationId: string): V1Namespace {
  const psa: Record<string, string> = deps.podSecurityLevel ? { 'pod-security.kubernetes.io/enforce': deps.podSecurityLevel, 'pod-security.kubernetes.io/warn': 'restricted' } : {};
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: d.namespace,
      labels: {
        ...namespaceLabels(deps.keys, { runId: d.run_id, projectId: d.project_id, correlationId, runtimeMode: d.runtime_mode, issueNumber: d.issue_number }),
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
  if (existing && !isManagedRunNamespace(deps.keys, existing.metadata?.labels)) {
    throw new NamespaceRefused(`namespace ${name} exists and is not managed by codex-k8s (missing ${deps.keys.managedBy}); refusing to adopt it`);
  }
  if (existing?.metadata?.deletionTimestamp) throw new Error(`namespace ${name} is terminating; retrying`);
  await applyObject(deps.objects, desired, NAME);
  return !existing;
}

async function failRun(deps: ProvisionerDeps, e: Envelope<RunCreatedData>, error: string): Promise<void> {
  const d = e.data;
  await deps.bus.publish(RunLaunchErrorV1, {
    id: deterministicId('run.finished', d.run_id),
    correlationId: e.correlationid,
    causationId: e.id,
    subject: `run/${d.run_id}`,
    data: { run_id: d.run_id, project_id: d.project_id, runtime_mode: d.runtime_mode, namespace: d.namespace, reason: 'namespace_prepare_failed', error },
  });
  await finishRun(deps.db, d.run_id, 'failed', { event_type: RunLaunchErrorV1.type, reason: 'namespace_prepare_failed', error });
  deps.log.error({ run: d.run_id, namespace: d.namespace, error }, 'namespace preparation failed; run ended');
}

/**
 * `run.created` (full-env): namespace plus the baseline, each object server-side applied with this service's
 * field manager, then `run.namespace.prepared`. Idempotent on redelivery. A refusal (unmanaged namespace,
 * invalid object) or the last allowed attempt ends the run with `run.failed.launch_error`
 * (`namespace_prepare_failed`) and no Job; other failures are retried with backoff.
 */
export async function handleRunCreated(deps: ProvisionerDeps, e: Envelope<RunCreatedData>, meta: MessageMeta): Promise<void> {
  const d = e.data;
  if (d.runtime_mode !== 'full-env' || !d.namespace) return;
  const run = await getRun(deps.db, d.run_id);
  if (!run || (run.status !== 'pending' && run.status !== 'running')) return;
  const ns = { ...d, namespace: d.namespace };
  try {
    const created = await ensureNamespace(deps, desiredNamespace(deps, ns, e.correlationid));
    const objects = buildBaseline(ns.namespace, deps.baseline, deps.keys);
    for (const obj of objects) await applyObject(deps.objects, obj, NAME);
    await deps.bus.publish(RunNamespacePreparedV1, {
      id: deterministicId('run.namespace.prepared', d.run_id),
      correlationId: e.correlationid,
      causationId: e.id,
      subject: `run/${d.run_id}`,
      data: {
        run_id: d.run_id,
        project_id: d.project_id,
        runtime_mode: d.runtime_mode,
        namespace: ns.namespace,
        slot_no: 0,
        created,
        service_account: deps.baseline.serviceAccount,
        objects: objects.map((o) => `${o.kind}/${o.metadata?.name ?? ''}`),
      },
    });
    deps.log.info({ run: d.run_id, namespace: ns.namespace, created }, 'namespace prepared');
  } catch (err) {
    const lastAttempt = deps.maxDeliver > 0 && meta.deliveryCount >= deps.maxDeliver;
    if (err instanceof NamespaceRefused || isPermanentKubeError(err) || lastAttempt) {
      return failRun(deps, e, err instanceof NamespaceRefused ? err.message : kubeErrorMessage(err));
    }
    deps.log.warn({ run: d.run_id, attempt: meta.deliveryCount, err: errorMessage(err) }, 'namespace preparation will be retried');
    throw err;
  }
}

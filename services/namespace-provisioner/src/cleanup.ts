import {
  NamespaceDeletedByStaffV1,
  NamespaceDeletedBySystemV1,
  RunNamespaceCleanedV1,
  RunNamespaceCleanupFailedV1,
  RunNamespaceCleanupSkippedV1,
  deterministicId,
  type EventDefinition,
  type NamespaceCleanupData,
} from '@codex-k8s/contracts';
import { publishCaused, type Cause } from '@codex-k8s/flow';
import { isConflict, isManagedRunNamespace, isNotFound, kubeErrorMessage, orUndefinedIfNotFound } from '@codex-k8s/kube';
import { counter } from '@codex-k8s/runtime';
import type { V1Namespace } from '@kubernetes/client-node';
import type { ProvisionerDeps } from './deps.js';

/** Namespace DELETE requests by outcome: `deleted` is the one delete of a namespace, `already_deleting` lost a race. */
const namespaceDeletes = counter('codexk8s_namespace_delete_total', 'Run namespace deletions by outcome (deleted: this request deleted it; already_deleting: another cleaner did).', ['outcome']);

/** The run a cleanup is about, as every run event carries it. */
export interface RunRef {
  readonly run_id: string;
  readonly project_id: string;
  readonly runtime_mode: 'full-env' | 'code-only';
  readonly namespace: string | null;
}

export type CleanupTrigger = NamespaceCleanupData['trigger'];

export type CleanupDecision =
  | { readonly action: 'delete' }
  | { readonly action: 'skip'; readonly reason: string }
  | { readonly action: 'gone' };

/**
 * Whether a run namespace may be deleted (reference 3.4 guard), pure: never the platform's own namespace, never
 * one without our managed labels, nothing when cleanup is disabled (unless the issue was closed or a staff member
 * asked: explicit requests), and an already deleted (or terminating) one is simply gone.
 */
export function decideCleanup(o: { namespace: string; platformNamespace: string; cleanupEnabled: boolean; trigger: CleanupTrigger; existing: V1Namespace | undefined; managed: boolean }): CleanupDecision {
  if (o.namespace === o.platformNamespace) return { action: 'skip', reason: 'platform_namespace' };
  if (!o.cleanupEnabled && o.trigger !== 'issue_closed' && o.trigger !== 'staff') return { action: 'skip', reason: 'cleanup_disabled_by_config' };
  // Already being deleted (by an earlier cleanup of this run, a redelivery or the sweeper): never a second delete.
  if (!o.existing || o.existing.metadata?.deletionTimestamp) return { action: 'gone' };
  if (!o.managed) return { action: 'skip', reason: 'namespace_not_managed' };
  return { action: 'delete' };
}

/**
 * Ends a run namespace's life and records the decision: `run.namespace.cleaned` (`delete_by_system` when the issue
 * was closed, `delete_by_staff` when a staff member asked), `cleanup_skipped` with the reason and the kubectl command, or `cleanup_failed` with the
 * error (the sweeper tries again later). One cleaned/skipped/failed event id per run (and trigger), so retries never
 * duplicate it.
 */
export async function cleanupRunNamespace(
  deps: ProvisionerDeps,
  ref: RunRef,
  ctx: Cause & { trigger: CleanupTrigger; requestedBy?: string },
): Promise<void> {
  if (ref.runtime_mode !== 'full-env' || !ref.namespace) return;
  const namespace = ref.namespace;
  const command = `kubectl delete namespace ${namespace}`;
  const existing = await orUndefinedIfNotFound(deps.core.readNamespace({ name: namespace }));
  const decision = decideCleanup({
    namespace,
    platformNamespace: deps.platformNamespace,
    cleanupEnabled: deps.cleanupEnabled,
    trigger: ctx.trigger,
    existing,
    managed: isManagedRunNamespace(deps.keys, existing?.metadata?.labels),
  });
  const done: EventDefinition = ctx.trigger === 'issue_closed' ? NamespaceDeletedBySystemV1 : ctx.trigger === 'staff' ? NamespaceDeletedByStaffV1 : RunNamespaceCleanedV1;
  const emit = async (def: EventDefinition, id: string, extra: Partial<NamespaceCleanupData>): Promise<void> => {
    await publishCaused(deps.bus, def, ctx, {
      runId: ref.run_id,
      id,
      // requested_by: the staff member a staff delete names (kept by the delete_by_staff contract only).
      data: { run_id: ref.run_id, project_id: ref.project_id, runtime_mode: ref.runtime_mode, namespace, trigger: ctx.trigger, reason: null, error: null, cleanup_command: null, ...(ctx.requestedBy ? { requested_by: ctx.requestedBy } : {}), ...extra },
    });
  };
  const onceId = deterministicId(done.type, ref.run_id);
  if (decision.action === 'skip') {
    await emit(RunNamespaceCleanupSkippedV1, deterministicId(RunNamespaceCleanupSkippedV1.type, ref.run_id, ctx.trigger), { reason: decision.reason, cleanup_command: command });
    deps.log.info({ run: ref.run_id, namespace, reason: decision.reason }, 'namespace kept');
    return;
  }
  if (decision.action === 'gone') return emit(done, onceId, { reason: 'already_deleted' });
  try {
    // Only the namespace as read: when another cleaner (the sweeper or a replica) started deleting it in between, its
    // resourceVersion changed and the apiserver answers 409, so a namespace is deleted once, whoever gets there first.
    await deps.core.deleteNamespace({ name: namespace, propagationPolicy: 'Background', body: { preconditions: { resourceVersion: existing?.metadata?.resourceVersion ?? '' } } });
    namespaceDeletes.inc({ outcome: 'deleted' });
  } catch (err) {
    if (isNotFound(err) || isConflict(err)) {
      namespaceDeletes.inc({ outcome: 'already_deleting' });
      return emit(done, onceId, { reason: 'already_deleted' });
    }
    const error = kubeErrorMessage(err);
    // One failure event per run and trigger, however often it is retried (no id from a clock or an attempt).
    await emit(RunNamespaceCleanupFailedV1, deterministicId(RunNamespaceCleanupFailedV1.type, ref.run_id, ctx.trigger), { error, cleanup_command: command });
    deps.log.error({ run: ref.run_id, namespace, error }, 'namespace cleanup failed; the sweeper retries');
    return;
  }
  await emit(done, onceId, {});
  deps.log.info({ run: ref.run_id, namespace, trigger: ctx.trigger }, 'namespace deleted');
}

import { SlotRedeployFailedV1, SlotRedeployedV1, deterministicId, type SlotRedeployFailedData, type SlotRedeployedData } from '@codex-k8s/contracts';
import type { Bus } from '@codex-k8s/bus';
import type { SlotRedeployRow } from '@codex-k8s/db';
import type { Cause } from '@codex-k8s/flow';

/** The event a finished redeploy row stands for. */
export type RedeployResult = { readonly kind: 'redeployed'; readonly data: SlotRedeployedData } | { readonly kind: 'failed'; readonly data: SlotRedeployFailedData };

/**
 * The result event of a finished redeploy, built from its row alone (pure): every delivery of the request, whatever
 * it carries, answers with the same data under the same id. Undefined while the redeploy runs.
 */
export function redeployResultOf(row: SlotRedeployRow): RedeployResult | undefined {
  if (row.status === 'running') return undefined;
  const target = { redeploy_id: row.id, project_id: row.project_id, slot_no: row.slot_no, namespace: row.namespace, requested_by: row.requested_by };
  if (row.status === 'succeeded') {
    return { kind: 'redeployed', data: { ...target, host: row.host, commit_sha: row.commit_sha, fingerprint: row.fingerprint ?? '', units: row.units_done } };
  }
  return { kind: 'failed', data: { ...target, reason: row.failure_reason ?? 'deploy_failed', error: row.last_error ?? 'the redeploy failed' } };
}

/**
 * Publishes a finished redeploy's result: id `deterministicId(<type>, redeploy_id)` (one result per redeploy, however
 * often it is published), subject `slot/<project>/<slot>`, in the request's correlation.
 */
export async function publishRedeployResult(bus: Pick<Bus, 'publish'>, row: SlotRedeployRow, cause: Cause): Promise<void> {
  const result = redeployResultOf(row);
  if (!result) return;
  const envelope = { correlationId: cause.correlationId, ...(cause.causationId ? { causationId: cause.causationId } : {}), subject: `slot/${row.project_id}/${row.slot_no}` };
  if (result.kind === 'redeployed') await bus.publish(SlotRedeployedV1, { ...envelope, id: deterministicId(SlotRedeployedV1.type, row.id), data: result.data });
  else await bus.publish(SlotRedeployFailedV1, { ...envelope, id: deterministicId(SlotRedeployFailedV1.type, row.id), data: result.data });
}

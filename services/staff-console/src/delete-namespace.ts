import { NamespaceDeletedByStaffV1, RunNamespaceDeleteRequestedV1, deterministicId } from '@codex-k8s/contracts';
import { namespaceDeletedFor } from '@codex-k8s/db';
import { randomUUID } from 'node:crypto';
import { canAct, type Access } from './access.js';
import { awaitRecorded } from './await-event.js';
import { ok, refused, type Answer, type ConsoleDeps } from './deps.js';
import { visibleRun } from './run-access.js';
import { deleteNamespaceAvailability } from './views.js';

/**
 * `DELETE /api/v1/staff/runs/{run_id}/namespace`: asks namespace-provisioner to delete an ended full-env run's
 * namespace (run.namespace.delete_requested) and answers with what it did: `deleted`, `already_deleted` (also at once,
 * without asking, when the run's story already records the deletion), or `pending` (202) when no answer came in time.
 */
export async function handleDeleteNamespace(deps: ConsoleDeps, access: Access, params: unknown): Promise<Answer> {
  const v = await visibleRun(deps, access, params);
  if ('answer' in v) return v.answer;
  const run = v.run;
  const may = canAct(access, run.project_id);
  if (!may) return refused(403, 'only project admins may delete run namespaces');
  const deleted = await namespaceDeletedFor(deps.db, run.correlation_id);
  if (deleted && run.namespace && !run.runtime_deploy) return ok({ request_id: null, outcome: 'already_deleted', run_id: run.id, namespace: run.namespace });
  const can = deleteNamespaceAvailability(run, deleted, may);
  if (!can.allowed || !run.namespace) return refused(409, can.reason ?? 'the namespace cannot be deleted');
  const requestId = randomUUID();
  await deps.bus.publish(RunNamespaceDeleteRequestedV1, {
    id: requestId,
    correlationId: run.correlation_id,
    subject: `run/${run.id}`,
    data: { run_id: run.id, project_id: run.project_id as string, runtime_mode: 'full-env', namespace: run.namespace, requested_by: access.login },
  });
  deps.log.info({ run: run.id, namespace: run.namespace, by: access.login }, 'namespace delete requested');
  const done = await awaitRecorded(deps.db, deterministicId(NamespaceDeletedByStaffV1.type, run.id), deps.actionWaitMs);
  if (!done) return ok({ request_id: requestId, outcome: 'pending', run_id: run.id, namespace: run.namespace }, 202);
  const reason = (done.payload as { reason?: unknown } | null)?.reason;
  return ok({ request_id: requestId, outcome: reason === 'already_deleted' ? 'already_deleted' : 'deleted', run_id: run.id, namespace: run.namespace });
}

import { RunCancelRequestedV1, runEndedEventId } from '@codex-k8s/contracts';
import { randomUUID } from 'node:crypto';
import { canAct, type Access } from './access.js';
import { awaitRecorded } from './await-event.js';
import { ok, refused, type Answer, type ConsoleDeps } from './deps.js';
import { visibleRun } from './run-access.js';
import { cancelAvailability } from './views.js';

/**
 * `POST /api/v1/staff/runs/{run_id}/cancel`: asks agent-launcher to cancel a live run (run.cancel_requested, the
 * caller's login as `requested_by`) and answers with its end once recorded: `canceled`, 409 when the run ended
 * another way first, or `pending` (202) when the end did not come within CODEXK8S_STAFF_ACTION_WAIT_MS.
 */
export async function handleCancel(deps: ConsoleDeps, access: Access, params: unknown): Promise<Answer> {
  const v = await visibleRun(deps, access, params);
  if ('answer' in v) return v.answer;
  const run = v.run;
  const may = canAct(access, run.project_id);
  if (!may) return refused(403, 'only project admins may cancel runs');
  const can = cancelAvailability(run, may);
  if (!can.allowed) return refused(409, can.reason ?? 'the run cannot be canceled');
  const requestId = randomUUID();
  await deps.bus.publish(RunCancelRequestedV1, {
    id: requestId,
    correlationId: run.correlation_id,
    subject: `run/${run.id}`,
    data: { run_id: run.id, project_id: run.project_id as string, runtime_mode: run.runtime_mode ?? 'code-only', namespace: run.namespace, requested_by: access.login },
  });
  deps.log.info({ run: run.id, by: access.login }, 'cancel requested');
  const end = await awaitRecorded(deps.db, runEndedEventId(run.id), deps.actionWaitMs);
  if (!end) return ok({ request_id: requestId, outcome: 'pending', run_id: run.id, namespace: run.namespace }, 202);
  if (end.event_type !== 'run.canceled') return refused(409, `the run ended (${end.event_type}) before it could be canceled`);
  return ok({ request_id: requestId, outcome: 'canceled', run_id: run.id, namespace: run.namespace });
}

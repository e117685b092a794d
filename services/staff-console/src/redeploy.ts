import { SlotParam, SlotRedeployFailedV1, SlotRedeployRequestedV1, SlotRedeployedV1, deterministicId } from '@codex-k8s/contracts';
import { getSlot, lastSlotDeploy, lastSlotRedeploys } from '@codex-k8s/db';
import { randomUUID } from 'node:crypto';
import { canAct, type Access } from './access.js';
import { awaitRecorded } from './await-event.js';
import { ok, parse, refused, type Answer, type ConsoleDeps } from './deps.js';
import { redeployAvailability } from './redeploy-decision.js';

/**
 * `POST /api/v1/staff/slots/{project}/{slot_no}/redeploy`: asks the deployer to apply the slot's last deploy again,
 * every unit in order, under a new fingerprint (slot.redeploy_requested), and answers with its result once recorded
 * (`redeployed`, or `failed` with the error), or `pending` (202: a real stack takes minutes; the slots page shows it).
 */
export async function handleRedeploy(deps: ConsoleDeps, access: Access, params: unknown): Promise<Answer> {
  const p = parse(SlotParam, params);
  if (!p.ok) return p.answer;
  const project = access.projects.find((x) => x.slug === p.value.project);
  if (!project) return refused(403, `not a member of project ${p.value.project}`);
  const slot = await getSlot(deps.db, project.id, p.value.slot_no);
  if (!slot) return refused(404, 'no such slot');
  const [deploy, redeploys] = await Promise.all([lastSlotDeploy(deps.db, project.id, slot.slot_no), lastSlotRedeploys(deps.db, [project.id])]);
  const last = redeploys.find((r) => r.slot_no === slot.slot_no) ?? null;
  const can = redeployAvailability({ mayAct: canAct(access, project.id), slot, deployedNamespace: deploy?.namespace ?? null, lastRedeploy: last, now: new Date() });
  if (!can.allowed || !deploy) return refused(can.allowed ? 409 : can.status, can.reason ?? 'the slot cannot be redeployed');
  const redeployId = randomUUID();
  await deps.bus.publish(SlotRedeployRequestedV1, {
    id: redeployId,
    correlationId: `redeploy/${redeployId}`,
    subject: `slot/${project.id}/${slot.slot_no}`,
    data: { redeploy_id: redeployId, project_id: project.id, slot_no: slot.slot_no, namespace: deploy.namespace, requested_by: access.login },
  });
  deps.log.info({ project: project.slug, slot: slot.slot_no, by: access.login }, 'slot redeploy requested');
  const doneId = deterministicId(SlotRedeployedV1.type, redeployId);
  const failedId = deterministicId(SlotRedeployFailedV1.type, redeployId);
  const result = await awaitRecorded(deps.db, [doneId, failedId], deps.actionWaitMs);
  const data = (result?.payload ?? {}) as { fingerprint?: string; error?: string };
  const outcome = !result ? 'pending' : result.event_id === doneId ? 'redeployed' : 'failed';
  return ok({ redeploy_id: redeployId, outcome, namespace: deploy.namespace, fingerprint: data.fingerprint ?? null, error: data.error ?? null }, result ? 200 : 202);
}

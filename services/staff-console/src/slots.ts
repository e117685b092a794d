import { ProjectQuery, type SlotView } from '@codex-k8s/contracts';
import { lastSlotRedeploys, listStaffSlots } from '@codex-k8s/db';
import { canAct, scopeOf, type Access } from './access.js';
import { ok, parse, refused, type Answer, type ConsoleDeps } from './deps.js';
import { redeployAvailability } from './redeploy-decision.js';

type SlotRow = Awaited<ReturnType<typeof listStaffSlots>>[number];
type RedeployRow = Awaited<ReturnType<typeof lastSlotRedeploys>>[number];

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

/** A slot's last redeploy as the slots page shows it. Pure. */
function redeployViewOf(last: RedeployRow | undefined): SlotView['last_redeploy'] {
  if (!last) return null;
  return { redeploy_id: last.id, status: last.status, requested_by: last.requested_by, fingerprint: last.fingerprint, error: last.last_error, created_at: new Date(last.created_at).toISOString(), finished_at: iso(last.finished_at) };
}

/** What the slot's last deploy left there (namespace, host, URL, commit, fingerprint). Pure. */
function deployViewOf(t: SlotRow['task']): Pick<SlotView, 'namespace' | 'host' | 'public_url' | 'last_run_id' | 'last_commit_sha' | 'fingerprint' | 'deploy_status'> {
  if (!t) return { namespace: null, host: null, public_url: null, last_run_id: null, last_commit_sha: null, fingerprint: null, deploy_status: null };
  return { namespace: t.namespace, host: t.host, public_url: t.host ? `https://${t.host}` : null, last_run_id: t.run_id, last_commit_sha: t.commit_sha, fingerprint: t.fingerprint, deploy_status: t.status };
}

/** A slot as the slots page shows it: its lease, what its last deploy left there, its last redeploy, and whether the caller may redeploy it. Pure. */
export function slotViewOf(s: SlotRow, last: RedeployRow | undefined, mayAct: boolean, now: Date): SlotView {
  const can = redeployAvailability({ mayAct, slot: s, deployedNamespace: s.task?.namespace ?? null, lastRedeploy: last ?? null, now });
  return {
    project: { id: s.project_id, slug: s.project_slug, name: s.project_name },
    slot_no: s.slot_no,
    state: s.state,
    lease_owner: s.lease_owner,
    lease_until: iso(s.lease_until),
    ...deployViewOf(s.task),
    updated_at: new Date(s.updated_at).toISOString(),
    last_redeploy: redeployViewOf(last),
    redeploy: { allowed: can.allowed, reason: can.reason },
  };
}

/** `GET /api/v1/staff/slots`: the slots of the caller's projects, with what their last deploy left there. */
export async function handleSlots(deps: ConsoleDeps, access: Access, query: unknown): Promise<Answer> {
  const q = parse(ProjectQuery.pick({ project: true }), query);
  if (!q.ok) return q.answer;
  const scope = scopeOf(access, q.value.project);
  if ('status' in scope) return refused(scope.status, scope.reason);
  const [rows, redeploys] = await Promise.all([listStaffSlots(deps.db, scope.ids), lastSlotRedeploys(deps.db, scope.ids)]);
  const lastOf = new Map(redeploys.map((r) => [`${r.project_id}/${r.slot_no}`, r]));
  const now = new Date();
  return ok({ items: rows.map((s) => slotViewOf(s, lastOf.get(`${s.project_id}/${s.slot_no}`), canAct(access, s.project_id), now)) });
}

import { ProjectQuery } from '@codex-k8s/contracts';
import { listStaffSlots } from '@codex-k8s/db';
import { scopeOf, type Access } from './access.js';
import { ok, parse, refused, type Answer, type ConsoleDeps } from './deps.js';

/** `GET /api/v1/staff/slots`: the slots of the caller's projects, with what their last deploy left there. */
export async function handleSlots(deps: ConsoleDeps, access: Access, query: unknown): Promise<Answer> {
  const q = parse(ProjectQuery.pick({ project: true }), query);
  if (!q.ok) return q.answer;
  const scope = scopeOf(access, q.value.project);
  if ('status' in scope) return refused(scope.status, scope.reason);
  const rows = await listStaffSlots(deps.db, scope.ids);
  return ok({
    items: rows.map((s) => ({
      project: { id: s.project_id, slug: s.project_slug, name: s.project_name },
      slot_no: s.slot_no,
      state: s.state,
      lease_owner: s.lease_owner,
      lease_until: s.lease_until ? new Date(s.lease_until).toISOString() : null,
      namespace: s.task?.namespace ?? null,
      host: s.task?.host ?? null,
      public_url: s.task?.host ? `https://${s.task.host}` : null,
      last_run_id: s.task?.run_id ?? null,
      last_commit_sha: s.task?.commit_sha ?? null,
      fingerprint: s.task?.fingerprint ?? null,
      deploy_status: s.task?.status ?? null,
      updated_at: new Date(s.updated_at).toISOString(),
    })),
  });
}

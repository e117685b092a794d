import { ProjectQuery } from '@codex-k8s/contracts';
import { listStaffNamespaces } from '@codex-k8s/db';
import type { Access } from './access.js';
import { ok, type Answer, type ConsoleDeps } from './deps.js';
import { pageOf, pageRequest } from './page.js';

/** `GET /api/v1/staff/namespaces`: the namespaces the platform made for the caller's projects, newest first. */
export async function handleNamespaces(deps: ConsoleDeps, access: Access, query: unknown, now = new Date()): Promise<Answer> {
  const r = pageRequest(ProjectQuery, access, query);
  if (!r.ok) return r.answer;
  const { projectIds, after, limit } = r.req;
  const rows = await listStaffNamespaces(deps.db, projectIds, { after, limit });
  const { page, next_cursor } = pageOf(rows, limit, (n) => ({ created: n.created_key, id: n.namespace }));
  return ok({
    items: page.map((n) => ({
      namespace: n.namespace,
      project: { id: n.project_id, slug: n.project_slug, name: n.project_name },
      purpose: n.purpose,
      run_id: n.run_id,
      run_status: n.run_status,
      created_at: new Date(n.created_at).toISOString(),
      age_seconds: Math.max(0, Math.floor((now.getTime() - new Date(n.created_at).getTime()) / 1000)),
      state: n.deleted ? 'deleted' : 'active',
    })),
    next_cursor,
  });
}

import { ProjectQuery, STAFF_PAGE_DEFAULT } from '@codex-k8s/contracts';
import { listStaffNamespaces } from '@codex-k8s/db';
import { scopeOf, type Access } from './access.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ok, parse, refused, type Answer, type ConsoleDeps } from './deps.js';

/** `GET /api/v1/staff/namespaces`: the namespaces the platform made for the caller's projects, newest first. */
export async function handleNamespaces(deps: ConsoleDeps, access: Access, query: unknown, now = new Date()): Promise<Answer> {
  const q = parse(ProjectQuery, query);
  if (!q.ok) return q.answer;
  const scope = scopeOf(access, q.value.project);
  if ('status' in scope) return refused(scope.status, scope.reason);
  const after = q.value.cursor === undefined ? undefined : decodeCursor(q.value.cursor);
  if (q.value.cursor !== undefined && !after) return refused(400, 'cursor: not a cursor this API handed out');
  const limit = q.value.limit ?? STAFF_PAGE_DEFAULT;
  const rows = await listStaffNamespaces(deps.db, scope.ids, { after, limit });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
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
    next_cursor: rows.length > limit && last ? encodeCursor({ created: last.created_key, id: last.namespace }) : null,
  });
}

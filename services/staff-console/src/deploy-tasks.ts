import { ProjectQuery, STAFF_PAGE_DEFAULT } from '@codex-k8s/contracts';
import { listStaffDeployTasks } from '@codex-k8s/db';
import { scopeOf, type Access } from './access.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ok, parse, refused, type Answer, type ConsoleDeps } from './deps.js';
import { deployTaskOf } from './views.js';

/** `GET /api/v1/staff/deploy-tasks`: slot deploys newest first (a run page has one with its stage log). */
export async function handleDeployTasks(deps: ConsoleDeps, access: Access, query: unknown): Promise<Answer> {
  const q = parse(ProjectQuery, query);
  if (!q.ok) return q.answer;
  const scope = scopeOf(access, q.value.project);
  if ('status' in scope) return refused(scope.status, scope.reason);
  const after = q.value.cursor === undefined ? undefined : decodeCursor(q.value.cursor);
  if (q.value.cursor !== undefined && !after) return refused(400, 'cursor: not a cursor this API handed out');
  const limit = q.value.limit ?? STAFF_PAGE_DEFAULT;
  const rows = await listStaffDeployTasks(deps.db, scope.ids, { after, limit });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return ok({
    items: page.map((t) => {
      const { logs: _logs, ...view } = deployTaskOf(t, false);
      return { ...view, project: { id: t.project_id, slug: t.project_slug, name: t.project_name } };
    }),
    next_cursor: rows.length > limit && last ? encodeCursor({ created: last.created_key, id: last.run_id }) : null,
  });
}

import { ProjectQuery } from '@codex-k8s/contracts';
import { listStaffDeployTasks } from '@codex-k8s/db';
import type { Access } from './access.js';
import { ok, type Answer, type ConsoleDeps } from './deps.js';
import { pageOf, pageRequest } from './page.js';
import { deployTaskOf } from './views.js';

/** `GET /api/v1/staff/deploy-tasks`: slot deploys newest first (a run page has one with its stage log). */
export async function handleDeployTasks(deps: ConsoleDeps, access: Access, query: unknown): Promise<Answer> {
  const r = pageRequest(ProjectQuery, access, query);
  if (!r.ok) return r.answer;
  const { projectIds, after, limit } = r.req;
  const rows = await listStaffDeployTasks(deps.db, projectIds, { after, limit });
  const { page, next_cursor } = pageOf(rows, limit, (t) => ({ created: t.created_key, id: t.run_id }));
  return ok({
    items: page.map((t) => {
      const { logs: _logs, ...view } = deployTaskOf(t, false);
      return { ...view, project: { id: t.project_id, slug: t.project_slug, name: t.project_name } };
    }),
    next_cursor,
  });
}

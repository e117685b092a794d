import { RunListQuery } from '@codex-k8s/contracts';
import { listStaffRuns } from '@codex-k8s/db';
import type { Access } from './access.js';
import { ok, type Answer, type ConsoleDeps } from './deps.js';
import { pageOf, pageRequest } from './page.js';
import { runSummaryOf } from './views.js';

/** `GET /api/v1/staff/runs`: a page of the runs the caller may see, newest first, filtered. */
export async function handleRunList(deps: ConsoleDeps, access: Access, query: unknown): Promise<Answer> {
  const r = pageRequest(RunListQuery, access, query);
  if (!r.ok) return r.answer;
  const { query: q, projectIds, after, limit } = r.req;
  const rows = await listStaffRuns(deps.db, { projectIds, status: q.status, trigger: q.trigger, issue: q.issue, q: q.q, after, limit });
  const { page, next_cursor } = pageOf(rows, limit, (x) => ({ created: x.created_key, id: x.id }));
  return ok({ items: page.map(runSummaryOf), next_cursor });
}

import { RunListQuery, STAFF_PAGE_DEFAULT } from '@codex-k8s/contracts';
import { listStaffRuns } from '@codex-k8s/db';
import { scopeOf, type Access } from './access.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ok, parse, refused, type Answer, type ConsoleDeps } from './deps.js';
import { runSummaryOf } from './views.js';

/** `GET /api/v1/staff/runs`: a page of the runs the caller may see, newest first, filtered. */
export async function handleRunList(deps: ConsoleDeps, access: Access, query: unknown): Promise<Answer> {
  const q = parse(RunListQuery, query);
  if (!q.ok) return q.answer;
  const scope = scopeOf(access, q.value.project);
  if ('status' in scope) return refused(scope.status, scope.reason);
  const after = q.value.cursor === undefined ? undefined : decodeCursor(q.value.cursor);
  if (q.value.cursor !== undefined && !after) return refused(400, 'cursor: not a cursor this API handed out');
  const limit = q.value.limit ?? STAFF_PAGE_DEFAULT;
  const rows = await listStaffRuns(deps.db, { projectIds: scope.ids, status: q.value.status, trigger: q.value.trigger, issue: q.value.issue, q: q.value.q, after, limit });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return ok({ items: page.map(runSummaryOf), next_cursor: rows.length > limit && last ? encodeCursor({ created: last.created_key, id: last.id }) : null });
}

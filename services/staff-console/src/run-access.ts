import { RunIdParam } from '@codex-k8s/contracts';
import { getStaffRun, type StaffRunRow } from '@codex-k8s/db';
import { canSee, type Access } from './access.js';
import { parse, refused, type Answer, type ConsoleDeps } from './deps.js';

/**
 * The run a `/runs/{run_id}/...` request is about, once the caller may see it: 400 for a malformed id, 404 for an
 * unknown run, 403 (with nothing of the run in the body) for a run of a project the caller is not a member of.
 */
export async function visibleRun(deps: ConsoleDeps, access: Access, params: unknown): Promise<{ run: StaffRunRow } | { answer: Answer }> {
  const p = parse(RunIdParam.pick({ run_id: true }), { run_id: (params as { run_id?: unknown } | undefined)?.run_id });
  if (!p.ok) return { answer: p.answer };
  const run = await getStaffRun(deps.db, p.value.run_id);
  if (!run) return { answer: refused(404, 'no such run') };
  if (!canSee(access, run.project_id)) return { answer: refused(403, "not a member of this run's project") };
  return { run };
}

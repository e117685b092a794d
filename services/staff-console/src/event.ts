import { EventIdParam } from '@codex-k8s/contracts';
import { getRunEvent } from '@codex-k8s/db';
import type { Access } from './access.js';
import { ok, parse, refused, type Answer, type ConsoleDeps } from './deps.js';
import { eventSummaryOf } from './events.js';
import { visibleRun } from './run-access.js';

/** `GET /api/v1/staff/runs/{run_id}/events/{event_id}`: one event of the run with its payload. */
export async function handleRunEvent(deps: ConsoleDeps, access: Access, params: unknown): Promise<Answer> {
  const p = parse(EventIdParam, params);
  if (!p.ok) return p.answer;
  const v = await visibleRun(deps, access, params);
  if ('answer' in v) return v.answer;
  const e = await getRunEvent(deps.db, v.run.correlation_id, p.value.event_id);
  if (!e) return refused(404, 'no such event in this run');
  return ok({ ...eventSummaryOf(e), correlation_id: e.correlation_id, causation_id: e.causation_id, subject: e.subject, payload: e.payload });
}

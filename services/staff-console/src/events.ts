import { EventListQuery, STAFF_PAGE_DEFAULT, type EventSummary } from '@codex-k8s/contracts';
import { listRunEventHeads, type EventHead } from '@codex-k8s/db';
import type { Access } from './access.js';
import { ok, parse, type Answer, type ConsoleDeps } from './deps.js';
import { visibleRun } from './run-access.js';

/** A flow event's head as the API shows it. Pure. */
export function eventSummaryOf(e: EventHead): EventSummary {
  return {
    id: String(e.id),
    event_id: e.event_id,
    event_type: e.event_type,
    actor_type: e.actor_type,
    actor_id: e.actor_id,
    occurred_at: new Date(e.occurred_at).toISOString(),
    created_at: new Date(e.created_at).toISOString(),
  };
}

/** `GET /api/v1/staff/runs/{run_id}/events`: the run's events newest first, without payloads. */
export async function handleRunEvents(deps: ConsoleDeps, access: Access, params: unknown, query: unknown): Promise<Answer> {
  const q = parse(EventListQuery, query);
  if (!q.ok) return q.answer;
  const v = await visibleRun(deps, access, params);
  if ('answer' in v) return v.answer;
  const limit = q.value.limit ?? STAFF_PAGE_DEFAULT;
  const rows = await listRunEventHeads(deps.db, v.run.correlation_id, { before: q.value.before, limit });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return ok({ items: page.map(eventSummaryOf), next_cursor: rows.length > limit && last ? String(last.id) : null });
}

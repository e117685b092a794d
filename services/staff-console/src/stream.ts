import { StreamQuery, type EventSummary, type RunSummary } from '@codex-k8s/contracts';
import { getStaffRun, listRunEventHeads } from '@codex-k8s/db';
import { canSee, scopeOf, type Access } from './access.js';
import { parse, refused, type Answer, type ConsoleDeps } from './deps.js';
import { eventSummaryOf } from './events.js';
import type { StreamHub, Subscriber } from './stream-hub.js';

/** The start of an SSE stream: who listens to what, and the events it missed since `Last-Event-ID` (run pages). */
export type StreamStart = { answer: Answer } | { sub: Omit<Subscriber, 'send'>; replay: { id: string; data: EventSummary | RunSummary }[] };

/** One SSE message. Pure. */
export function sseMessage(event: string, id: string, data: unknown): string {
  return `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * `GET /api/v1/staff/stream`: checks the query and access, and for a run page returns the run's events after the
 * browser's `Last-Event-ID` (a reconnect misses nothing). The caller then hijacks the reply and joins the hub.
 */
export async function startStream(deps: ConsoleDeps & { hub: StreamHub; maxStreams: number }, access: Access, req: { query: unknown; lastEventId: string | undefined }): Promise<StreamStart> {
  const q = parse(StreamQuery, req.query);
  if (!q.ok) return { answer: q.answer };
  if (deps.hub.size >= deps.maxStreams) return { answer: refused(503, 'too many live streams on this replica; retry later') };
  const scope = scopeOf(access, q.value.project);
  if ('status' in scope) return { answer: refused(scope.status, scope.reason) };
  const projectId = q.value.project ? (scope.ids?.[0] ?? null) : null;
  if (!q.value.run_id) return { sub: { access, correlationId: null, projectId }, replay: [] };
  const run = await getStaffRun(deps.db, q.value.run_id);
  if (!run) return { answer: refused(404, 'no such run') };
  if (!canSee(access, run.project_id)) return { answer: refused(403, "not a member of this run's project") };
  return { sub: { access, correlationId: run.correlation_id, projectId: null }, replay: await missedEvents(deps, run.correlation_id, req.lastEventId) };
}

/** A run's events after the browser's Last-Event-ID (a reconnect misses nothing), oldest first, at most 500. */
async function missedEvents(deps: ConsoleDeps, correlationId: string, lastEventId: string | undefined): Promise<{ id: string; data: EventSummary }[]> {
  if (!lastEventId || !/^\d{1,19}$/.test(lastEventId)) return [];
  const rows = await listRunEventHeads(deps.db, correlationId, { limit: 500 });
  return rows
    .filter((x) => BigInt(x.id) > BigInt(lastEventId))
    .reverse()
    .map((r) => ({ id: String(r.id), data: eventSummaryOf(r) }));
}

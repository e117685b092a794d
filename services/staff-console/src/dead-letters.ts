import { ProjectQuery, STAFF_PAGE_DEFAULT } from '@codex-k8s/contracts';
import { deadLetterRetries, listDeadLetters } from '@codex-k8s/db';
import type { Access } from './access.js';
import { ok, parse, refused, type Answer, type ConsoleDeps } from './deps.js';

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * `GET /api/v1/staff/dead-letters`: messages a consumer gave up on, newest first, with the original and the reason.
 * Platform admins only: a dead letter can be any project's (or none's) and carries its whole payload.
 */
export async function handleDeadLetters(deps: ConsoleDeps, access: Access, query: unknown): Promise<Answer> {
  const q = parse(ProjectQuery.pick({ limit: true, cursor: true }), query);
  if (!q.ok) return q.answer;
  if (!access.platformAdmin) return refused(403, 'dead letters are shown to platform admins only');
  if (q.value.cursor !== undefined && !/^\d{1,19}$/.test(q.value.cursor)) return refused(400, 'cursor: not a cursor this API handed out');
  const limit = q.value.limit ?? STAFF_PAGE_DEFAULT;
  const rows = await listDeadLetters(deps.db, { before: q.value.cursor, limit });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const retried = await deadLetterRetries(deps.db, page.map((e) => e.event_id));
  return ok({
    items: page.map((e) => {
      const p = obj(e.payload);
      return {
        id: String(e.id),
        event_id: e.event_id,
        correlation_id: e.correlation_id,
        stream: text(p.stream) ?? '',
        consumer: text(p.consumer) ?? '',
        reason: text(p.reason) ?? '',
        detail: text(p.detail),
        deliveries: typeof p.deliveries === 'number' ? p.deliveries : 0,
        original_type: text(p.original_type),
        original_subject: text(p.original_subject),
        original_event_id: text(p.original_event_id),
        created_at: new Date(e.created_at).toISOString(),
        payload: e.payload,
        retried_at: retried.get(e.event_id)?.toISOString() ?? null,
      };
    }),
    next_cursor: rows.length > limit && last ? String(last.id) : null,
  });
}

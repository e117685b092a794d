import { STAFF_PAGE_DEFAULT } from '@codex-k8s/contracts';
import type { RunKey } from '@codex-k8s/db';
import type { z } from 'zod';
import { scopeOf, type Access } from './access.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { parse, refused, type Answer } from './deps.js';

/** What a keyset-paged list request asked for, once its query was valid and the caller may see its project. */
export interface PageRequest<Q> {
  readonly query: Q;
  /** The projects to read (null: every project, platform admins). */
  readonly projectIds: readonly string[] | null;
  readonly after: RunKey | undefined;
  readonly limit: number;
}

/** Parses a paged list's query: 400 naming the parameter, 403 for a project the caller is not a member of. */
export function pageRequest<S extends z.ZodType<{ project?: string; cursor?: string; limit?: number }>>(schema: S, access: Access, query: unknown): { ok: true; req: PageRequest<z.infer<S>> } | { ok: false; answer: Answer } {
  const q = parse(schema, query);
  if (!q.ok) return q;
  const scope = scopeOf(access, q.value.project);
  if ('status' in scope) return { ok: false, answer: refused(scope.status, scope.reason) };
  const after = q.value.cursor === undefined ? undefined : decodeCursor(q.value.cursor);
  if (q.value.cursor !== undefined && !after) return { ok: false, answer: refused(400, 'cursor: not a cursor this API handed out') };
  return { ok: true, req: { query: q.value, projectIds: scope.ids, after, limit: q.value.limit ?? STAFF_PAGE_DEFAULT } };
}

/** A page of `limit + 1` rows read: the rows to show, and the cursor of the next page (null on the last). Pure. */
export function pageOf<R>(rows: readonly R[], limit: number, keyOf: (r: R) => RunKey): { page: R[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, next_cursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunListQuery } from '@codex-k8s/contracts';
import type { Access } from './access.js';
import { decodeCursor } from './cursor.js';
import { pageOf, pageRequest } from './page.js';

const access: Access = { login: 'a', session: null, platformAdmin: false, projects: [{ id: 'p1', slug: 'shop', name: 'Shop', role: 'read_only' }] };

test('a page shows `limit` rows and hands out the last one\'s position only when more were read', () => {
  const rows = [1, 2, 3].map((n) => ({ key: { created: `2026-11-30T12:00:0${n}.000000Z`, id: `id-${n}` } }));
  const more = pageOf(rows, 2, (r) => r.key);
  assert.equal(more.page.length, 2);
  assert.deepEqual(decodeCursor(more.next_cursor ?? ''), rows[1]?.key);
  assert.equal(pageOf(rows, 3, (r) => r.key).next_cursor, null);
});

test('a page request: defaults, the caller\'s projects, and refusals naming the parameter', () => {
  const ok = pageRequest(RunListQuery, access, {});
  assert.ok(ok.ok && ok.req.limit === 50 && ok.req.projectIds?.[0] === 'p1' && ok.req.after === undefined);
  const other = pageRequest(RunListQuery, access, { project: 'lab' });
  assert.ok(!other.ok && other.answer.status === 403);
  const bad = pageRequest(RunListQuery, access, { cursor: 'bm9wZQ' });
  assert.ok(!bad.ok && bad.answer.status === 400 && /^cursor:/.test((bad.answer.body as { error: string }).error));
});

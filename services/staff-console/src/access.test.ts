import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canAct, canSee, scopeOf, type Access } from './access.js';

const member: Access = {
  login: 'bob',
  session: null,
  platformAdmin: false,
  projects: [
    { id: 'p1', slug: 'shop', name: 'Shop', role: 'admin' },
    { id: 'p2', slug: 'lab', name: 'Lab', role: 'read_only' },
  ],
};

test('a member sees their projects, acts only where admin; a platform admin sees and acts everywhere', () => {
  assert.deepEqual(scopeOf(member, undefined), { ids: ['p1', 'p2'] });
  assert.deepEqual(scopeOf(member, 'lab'), { ids: ['p2'] });
  assert.deepEqual(scopeOf(member, 'other'), { status: 403, reason: 'not a member of project other' });
  assert.ok(canSee(member, 'p2') && !canSee(member, 'p3') && !canSee(member, null));
  assert.ok(canAct(member, 'p1') && !canAct(member, 'p2'));
  const admin: Access = { ...member, platformAdmin: true };
  assert.deepEqual(scopeOf(admin, undefined), { ids: null });
  assert.ok(canSee(admin, 'p3') && canAct(admin, 'p2'));
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { leaseSlot, releaseSlot, upsertProject } from '@codex-k8s/db';
import { freshDatabase, type TestDatabase } from '../support/database.js';

let tdb: TestDatabase;
let projectId: string;
before(async () => {
  tdb = await freshDatabase();
  projectId = (await upsertProject(tdb.db, { id: randomUUID(), slug: 'slots', name: 'Slots' })).id;
});
after(async () => tdb?.drop());

test('slots are leased lowest first, once per run, and freed on release or expiry', async () => {
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
  const lease = (runId: string, ttlMs = 600_000) => leaseSlot(tdb.db, { projectId, runId, count: 2, ttlMs });
  assert.equal(await lease(a), 1);
  assert.equal(await lease(b), 2);
  assert.equal(await lease(c), null, 'all slots taken');
  assert.equal(await lease(a), 1, 'a retry keeps its slot');
  assert.equal(await releaseSlot(tdb.db, { projectId, runId: a }), 1);
  assert.equal(await releaseSlot(tdb.db, { projectId, runId: a }), null, 'release is idempotent');
  assert.equal(await lease(c), 1);
  // an expired lease counts as free
  const d = randomUUID();
  await tdb.db.updateTable('slots').set({ lease_until: new Date(Date.now() - 1000) }).where('project_id', '=', projectId).where('slot_no', '=', 2).execute();
  assert.equal(await lease(d), 2);
});

test('concurrent runs never share a slot', async () => {
  const p = (await upsertProject(tdb.db, { id: randomUUID(), slug: 'race', name: 'Race' })).id;
  const got = await Promise.all(Array.from({ length: 12 }, () => leaseSlot(tdb.db, { projectId: p, runId: randomUUID(), count: 3, ttlMs: 600_000 })));
  const leased = got.filter((s): s is number => s !== null).sort();
  assert.deepEqual(leased, [1, 2, 3]);
});

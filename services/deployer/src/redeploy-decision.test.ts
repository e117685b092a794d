import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterLease, holderText, redeployOwner, redeployStart, type RedeployStartFacts } from './redeploy-decision.js';

const base: RedeployStartFacts = { row: undefined, lastDeploy: { namespace: 'shop-dev-1' }, namespace: 'shop-dev-1', slotNo: 1 };

test('a new request for a slot deployed into the named namespace goes on to the lease', () => {
  assert.deepEqual(redeployStart(base), { action: 'lease' });
});

test('a slot never deployed, or last deployed into another namespace, is refused never_deployed', () => {
  const none = redeployStart({ ...base, lastDeploy: undefined });
  assert.equal(none.action, 'refuse');
  assert.equal(none.action === 'refuse' && none.reason, 'never_deployed');
  const elsewhere = redeployStart({ ...base, lastDeploy: { namespace: 'shop-dev-7' } });
  assert.equal(elsewhere.action === 'refuse' && elsewhere.reason, 'never_deployed');
  assert.match(elsewhere.action === 'refuse' ? elsewhere.error : '', /last deployed into shop-dev-7, not shop-dev-1/);
});

test('a recorded request is answered from its row: ended ones again, a running one goes on whatever the slot shows now', () => {
  assert.deepEqual(redeployStart({ ...base, row: { status: 'succeeded' } }), { action: 'republish' });
  assert.deepEqual(redeployStart({ ...base, row: { status: 'failed' }, lastDeploy: undefined }), { action: 'republish' });
  // Its source was fixed when it started: the last deploy is not looked at again.
  assert.deepEqual(redeployStart({ ...base, row: { status: 'running' }, lastDeploy: undefined }), { action: 'lease' });
});

test('the lease: taken or renewed deploys; held by a run refuses a new request slot_leased naming the holder', () => {
  assert.deepEqual(afterLease({ leased: true }, false, 1), { action: 'deploy' });
  assert.deepEqual(afterLease({ leased: true }, true, 1), { action: 'deploy' });
  const until = new Date('2026-12-01T10:00:00Z');
  const held = afterLease({ leased: false, holder: '5b0c7c1e-0000-4000-8000-000000000001', until }, false, 2);
  assert.equal(held.action === 'refuse' && held.reason, 'slot_leased');
  assert.match(held.action === 'refuse' ? held.error : '', /^slot 2 is leased by run 5b0c7c1e-0000-4000-8000-000000000001 until 2026-12-01T10:00:00.000Z/);
  const other = afterLease({ leased: false, holder: redeployOwner('r2'), until }, false, 2);
  assert.match(other.action === 'refuse' ? other.error : '', /leased by redeploy r2 until/);
  const missing = afterLease({ leased: false, holder: null, until: null }, false, 3);
  assert.equal(missing.action === 'refuse' && missing.reason, 'never_deployed');
});

test('a running redeploy whose lease was taken over (it expired) is lost, not refused', () => {
  const lost = afterLease({ leased: false, holder: 'run-9', until: null }, true, 1);
  assert.equal(lost.action, 'lost');
  assert.match(lost.action === 'lost' ? lost.error : '', /leased by run run-9: the redeploy's lease expired/);
});

test('a redeploy owns a slot under a name no run id can have', () => {
  assert.equal(redeployOwner('abc'), 'redeploy/abc');
  assert.equal(holderText('redeploy/abc', null), 'redeploy abc');
  assert.equal(holderText('f00', null), 'run f00');
});

test('a redeploy ends on what ends a run\'s deploy, and when the deploy it repeats is gone', async () => {
  const { RedeploySourceError, endsTheRedeploy, newRedeploy } = await import('./redeploy.js');
  const { UnitError } = await import('./apply.js');
  const c = { CODEXK8S_RUNTIME_DEPLOY_ROLLOUT_TIMEOUT_MS: 60_000, CODEXK8S_DEPLOY_RETRY_WINDOW_MS: 60_000 };
  const fresh = { fingerprint: null, unitsDone: 0, unitStartedAt: null, unitAppliedAt: null };
  const now = { lastDelivery: false, publishedAt: new Date() };
  assert.equal(endsTheRedeploy(new RedeploySourceError('gone'), now, fresh, c), true);
  assert.equal(endsTheRedeploy(new UnitError('Job/migrate failed'), now, fresh, c), true);
  assert.equal(endsTheRedeploy(new Error('ECONNREFUSED'), now, fresh, c), false, 'retried within the window');
  assert.equal(endsTheRedeploy(new Error('ECONNREFUSED'), { lastDelivery: false, publishedAt: new Date(Date.now() - 120_000) }, fresh, c), true, 'overdue');
  const started = { ...fresh, unitStartedAt: new Date(Date.now() - 30_000) };
  assert.equal(endsTheRedeploy(new Error('ECONNREFUSED'), { lastDelivery: false, publishedAt: new Date(Date.now() - 120_000) }, started, c), false, 'a started unit has the rollout timeout from its start');

  const req = { redeploy_id: 'r1', project_id: 'p1', slot_no: 1, namespace: 'shop-dev-1', requested_by: 'alice' };
  assert.deepEqual(newRedeploy(req, { run_id: 'run-1', commit_sha: 'abc', host: 'h' }), { id: 'r1', projectId: 'p1', slotNo: 1, namespace: 'shop-dev-1', requestedBy: 'alice', sourceRunId: 'run-1', commitSha: 'abc', host: 'h' });
  assert.deepEqual(newRedeploy(req, undefined, { reason: 'slot_leased', error: 'held' }).refused, { reason: 'slot_leased', error: 'held' });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redeployAvailability, type RedeployFacts } from './redeploy-decision.js';

const now = new Date('2026-11-30T12:00:00Z');
const base: RedeployFacts = { mayAct: true, slot: { state: 'free', lease_owner: null, lease_until: null }, deployedNamespace: 'shop-dev-1', lastRedeploy: null, now };
const reason = (f: Partial<RedeployFacts>): string | null => redeployAvailability({ ...base, ...f }).reason;

test('a free slot with a deploy may be redeployed by a project admin', () => {
  assert.deepEqual(redeployAvailability(base), { allowed: true, reason: null });
  assert.equal(reason({ lastRedeploy: { status: 'failed' } }), null, 'after a failed redeploy: again');
  // A lease past its end counts as free (the deployer takes it over the same way).
  assert.equal(reason({ slot: { state: 'leased', lease_owner: 'r1', lease_until: new Date(now.getTime() - 1) } }), null);
});

test('who may not, and when not: with the reason and the status the API answers', () => {
  assert.deepEqual(redeployAvailability({ ...base, mayAct: false }), { allowed: false, status: 403, reason: 'only project admins may redeploy slots' });
  assert.equal(reason({ deployedNamespace: null }), 'the slot was never deployed: nothing to redeploy');
  assert.equal(reason({ lastRedeploy: { status: 'running' } }), 'a redeploy of this slot is running');
  const until = new Date(now.getTime() + 60_000);
  assert.match(reason({ slot: { state: 'leased', lease_owner: 'run-7', lease_until: until } }) ?? '', /leased by run run-7/);
  assert.match(reason({ slot: { state: 'leased', lease_owner: 'redeploy/x', lease_until: until } }) ?? '', /leased by a redeploy/);
  assert.equal(redeployAvailability({ ...base, deployedNamespace: null }).allowed, false);
});

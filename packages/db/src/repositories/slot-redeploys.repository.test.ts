import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redeployProgressOf } from './slot-redeploys.repository.js';

test('a redeploy row gives the deploy step its progress, as a run deploy task does', () => {
  const at = new Date('2026-11-30T12:00:00Z');
  assert.deepEqual(redeployProgressOf({ progress_fingerprint: null, units_done: 0, unit_started_at: null, unit_applied_at: null }), { fingerprint: null, unitsDone: 0, unitStartedAt: null, unitAppliedAt: null });
  assert.deepEqual(redeployProgressOf({ progress_fingerprint: 'fp', units_done: 3, unit_started_at: at, unit_applied_at: null }), { fingerprint: 'fp', unitsDone: 3, unitStartedAt: at, unitAppliedAt: null });
});

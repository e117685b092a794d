import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServicesConfigError } from '@codex-k8s/services-config';
import { ClusterScopedError, UnitError } from './apply.js';
import { endsTheRun } from './run-deploy.js';

test('broken inputs and failed units end the run; transient errors are retried until the last delivery', () => {
  assert.equal(endsTheRun(new ServicesConfigError('services.yaml', 'spec', 'bad'), false), true);
  assert.equal(endsTheRun(new ClusterScopedError('refused'), false), true);
  assert.equal(endsTheRun(new UnitError('Deployment/api in ns not ready after 1200s: waiting for Available=True'), false), true);
  assert.equal(endsTheRun(new UnitError('Job/migrate in ns: Job failed: BackoffLimitExceeded'), false), true);
  assert.equal(endsTheRun(new Error('connect ECONNREFUSED 127.0.0.1:6443'), false), false);
  assert.equal(endsTheRun(new Error('Job migrate in ns: the previous Job was not deleted within 60s'), false), false, 'retried');
  assert.equal(endsTheRun(new Error('connect ECONNREFUSED 127.0.0.1:6443'), true), true, 'last delivery');
});

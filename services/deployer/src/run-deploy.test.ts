import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServicesConfigError } from '@codex-k8s/services-config';
import { ClusterScopedError, UnitError } from './apply.js';
import { deployDeadline, endsTheRun } from './run-deploy.js';
import { launchErrorReasonOf, NamespaceNotOwnedError } from './slot.js';
import { TenantPolicyError } from './tenant-policy.js';

test('broken inputs and failed units end the run; transient errors are retried until the step is overdue', () => {
  assert.equal(endsTheRun(new ServicesConfigError('services.yaml', 'spec', 'bad'), false), true);
  assert.equal(endsTheRun(new ClusterScopedError('refused'), false), true);
  assert.equal(endsTheRun(new UnitError('Deployment/api in ns not ready after 1200s: waiting for Available=True'), false), true);
  assert.equal(endsTheRun(new UnitError('Job/migrate in ns: Job failed: BackoffLimitExceeded'), false), true);
  assert.equal(endsTheRun(new Error('connect ECONNREFUSED 127.0.0.1:6443'), false), false);
  assert.equal(endsTheRun(new Error('Job migrate in ns: the previous Job was not deleted within 60s'), false), false, 'retried');
  assert.equal(endsTheRun(new Error('connect ECONNREFUSED 127.0.0.1:6443'), true), true, 'overdue');
});

test('a tenant policy refusal and another project\'s namespace end the run; the latter says so in its reason', () => {
  assert.equal(endsTheRun(new TenantPolicyError('RoleBinding/grab binds ClusterRole/cluster-admin'), false), true);
  assert.equal(endsTheRun(new NamespaceNotOwnedError('slot namespace shop-dev-1 belongs to another project'), false), true);
  assert.equal(launchErrorReasonOf(new NamespaceNotOwnedError('x')), 'namespace_owned_by_another_project');
  assert.equal(launchErrorReasonOf(new TenantPolicyError('x')), 'runtime_deploy_failed');
});

test('an object the apiserver refuses as invalid or by admission policy ends the run; a plain 403 is retried', () => {
  const apiError = (code: number, message: string) => Object.assign(new Error('x'), { code, body: JSON.stringify({ message }) });
  assert.equal(endsTheRun(apiError(422, 'Deployment.apps "api" is invalid'), false), true);
  assert.equal(endsTheRun(apiError(403, "ValidatingAdmissionPolicy 'codex-k8s-deployer' with binding 'codex-k8s-deployer' denied request"), false), true);
  assert.equal(endsTheRun(apiError(403, 'cannot create resource'), false), false);
});

test('a started unit has the rollout timeout from its start; before the first unit the retry window counts from the request', () => {
  const c = { CODEXK8S_RUNTIME_DEPLOY_ROLLOUT_TIMEOUT_MS: 1_200_000, CODEXK8S_DEPLOY_RETRY_WINDOW_MS: 600_000 };
  const published = new Date('2026-11-30T10:00:00Z');
  assert.equal(deployDeadline({ unitStartedAt: null }, published, c).toISOString(), '2026-11-30T10:10:00.000Z');
  assert.equal(deployDeadline({ unitStartedAt: new Date('2026-11-30T10:30:00Z') }, published, c).toISOString(), '2026-11-30T10:50:00.000Z', 'a later unit is not cut short by the age of the message');
});

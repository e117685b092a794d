import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideCleanup } from './cleanup.js';

const base = { namespace: 'codex-issue-a-i1-rb', platformNamespace: 'codex-k8s-system', cleanupEnabled: true, trigger: 'run_finished' as const, existing: { metadata: { name: 'x' } }, managed: true };

test('cleanup deletes only managed, existing run namespaces', () => {
  assert.deepEqual(decideCleanup(base), { action: 'delete' });
  assert.deepEqual(decideCleanup({ ...base, managed: false }), { action: 'skip', reason: 'namespace_not_managed' });
  assert.deepEqual(decideCleanup({ ...base, existing: undefined }), { action: 'gone' });
});

test('the platform namespace is never deleted, whatever its labels', () => {
  assert.deepEqual(decideCleanup({ ...base, namespace: 'codex-k8s-system' }), { action: 'skip', reason: 'platform_namespace' });
  assert.deepEqual(decideCleanup({ ...base, namespace: 'codex-k8s-system', trigger: 'issue_closed' }), { action: 'skip', reason: 'platform_namespace' });
});

test('disabled cleanup keeps namespaces, except when their issue is closed', () => {
  assert.deepEqual(decideCleanup({ ...base, cleanupEnabled: false }), { action: 'skip', reason: 'cleanup_disabled_by_config' });
  assert.deepEqual(decideCleanup({ ...base, cleanupEnabled: false, trigger: 'sweeper' }), { action: 'skip', reason: 'cleanup_disabled_by_config' });
  assert.deepEqual(decideCleanup({ ...base, cleanupEnabled: false, trigger: 'issue_closed' }), { action: 'delete' });
});

test('only a row that says the run ended lets its namespace go', async () => {
  const { hasEnded } = await import('./run-ended.js');
  for (const status of ['succeeded', 'failed', 'canceled'] as const) assert.equal(hasEnded({ status }), true, status);
  for (const status of ['pending', 'running'] as const) assert.equal(hasEnded({ status }), false, `${status}: a run.succeeded for a live run is not obeyed`);
  assert.equal(hasEnded(undefined), false);
});

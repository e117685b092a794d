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

test('a namespace already being deleted is never deleted a second time', () => {
  assert.deepEqual(decideCleanup({ ...base, existing: { metadata: { name: 'x', deletionTimestamp: new Date() } } }), { action: 'gone' });
});

test('the sweeper acts only on ended runs of that namespace, after the grace period', async () => {
  const { sweepable } = await import('./sweeper.js');
  const now = new Date('2026-11-30T12:00:00Z');
  const run = { id: 'r', status: 'succeeded', namespace: 'ns', project_id: 'p', runtime_mode: 'full-env', finished_at: new Date('2026-11-30T11:59:00Z'), updated_at: new Date('2026-11-30T11:59:00Z') } as never;
  assert.equal(sweepable(run, 'ns', now, 30_000), true);
  assert.equal(sweepable(run, 'ns', now, 120_000), false, 'ended 60 s ago: the run\'s own cleanup goes first');
  assert.equal(sweepable(run, 'other', now, 0), false, 'not the run\'s namespace');
  assert.equal(sweepable({ ...(run as object), status: 'running' } as never, 'ns', now, 0), false, 'a live run');
  assert.equal(sweepable(undefined, 'ns', now, 0), false);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runbookFor } from './runbook.js';

test('a full-env run\'s commands name its namespace and Job; a code-only run\'s only its Job in the platform namespace', () => {
  const full = new Map(runbookFor({ runId: 'r1', runtimeMode: 'full-env', namespace: 'ns-1', jobName: 'codex-k8s-run-r1', jobNamespace: 'ns-1', slotNo: null, host: null, labelDomain: 'codex-k8s.dev/' }).map((c) => [c.title, c.command]));
  assert.equal(full.get('namespaces of this run'), 'kubectl get namespace -l codex-k8s.dev/run-id=r1');
  assert.equal(full.get('logs'), 'kubectl -n ns-1 logs job/codex-k8s-run-r1');
  assert.equal(full.get('https'), undefined);
  const slot = new Map(runbookFor({ runId: 'r2', runtimeMode: 'full-env', namespace: 'shop-dev-1', jobName: 'j', jobNamespace: 'shop-dev-1', slotNo: 1, host: 'shop-1.example.test', labelDomain: 'codex-k8s.dev/' }).map((c) => [c.title, c.command]));
  assert.equal(slot.get('namespaces of this run'), undefined, 'a slot namespace is not labelled for one run only');
  assert.match(slot.get('https') ?? '', /https:\/\/shop-1\.example\.test\/$/);
  const code = runbookFor({ runId: 'r3', runtimeMode: 'code-only', namespace: null, jobName: 'j3', jobNamespace: 'codex-k8s-system', slotNo: null, host: null, labelDomain: 'codex-k8s.dev/' });
  assert.deepEqual(code.map((c) => c.title), ['job', 'job details', 'pods', 'logs', 'events']);
  assert.ok(code.every((c) => c.command.includes('-n codex-k8s-system')));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelKeys } from '@codex-k8s/kube';
import { desiredNamespace } from './prepare.js';

const run = {
  run_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  project_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  project_slug: 'shop',
  runtime_mode: 'full-env' as const,
  namespace: 'codex-issue-3fa85f645717-i42-r7c9e66797425',
  trigger_kind: 'dev',
  trigger_label: 'run:dev',
  issue_number: 42,
  repository_full_name: 'acme/shop',
  sender_login: 'alice',
};

test('the run namespace carries the reference labels under the configured domain, and Pod Security labels', () => {
  const ns = desiredNamespace({ keys: labelKeys('example.org/'), podSecurityLevel: 'baseline' }, run, 'delivery-1');
  assert.equal(ns.metadata?.name, run.namespace);
  assert.deepEqual(ns.metadata?.labels, {
    'example.org/managed-by': 'codex-k8s-worker',
    'example.org/namespace-purpose': 'run',
    'example.org/runtime-mode': 'full-env',
    'example.org/run-id': run.run_id,
    'example.org/project-id': run.project_id,
    'example.org/issue-number': '42',
    'pod-security.kubernetes.io/enforce': 'baseline',
    'pod-security.kubernetes.io/warn': 'restricted',
  });
  assert.deepEqual(ns.metadata?.annotations, { 'example.org/correlation-id': 'delivery-1' });
  const noPsa = desiredNamespace({ keys: labelKeys('codex-k8s.dev/'), podSecurityLevel: '' }, run, 'd');
  assert.equal(noPsa.metadata?.labels?.['pod-security.kubernetes.io/enforce'], undefined);
});

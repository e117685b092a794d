import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildBaseline, type BaselineSpec } from './baseline.js';
import { isManagedRunNamespace, labelKeys, namespaceLabels } from './labels.js';
import { isQuantity } from './quantity.js';

const keys = labelKeys('codex-k8s.dev/');
const spec: BaselineSpec = {
  serviceAccount: 'codex-runner',
  role: 'codex-runner',
  roleBinding: 'codex-runner',
  resourceQuota: 'codex-run-quota',
  limitRange: 'codex-run-limits',
  quota: { pods: '20', requestsCpu: '4', requestsMemory: '8Gi', limitsCpu: '8', limitsMemory: '16Gi' },
  limits: { defaultRequestCpu: '250m', defaultRequestMemory: '256Mi', defaultCpu: '1', defaultMemory: '1Gi' },
  networkPolicy: 'codex-run-isolation',
  ingressFromNamespaces: ['ingress-nginx'],
};

test('the baseline is SA, Role, RoleBinding, ResourceQuota, LimitRange, NetworkPolicy in that order', () => {
  const objs = buildBaseline('ns1', spec, keys);
  assert.deepEqual(objs.map((o) => o.kind), ['ServiceAccount', 'Role', 'RoleBinding', 'ResourceQuota', 'LimitRange', 'NetworkPolicy']);
  for (const o of objs) {
    assert.equal(o.metadata?.namespace, 'ns1');
    assert.equal(o.metadata?.labels?.['codex-k8s.dev/managed-by'], 'codex-k8s-worker');
  }
  assert.equal(buildBaseline('ns1', { ...spec, networkPolicy: null }, keys).length, 5);
});

test('the Role never grants Secrets and the binding targets the run ServiceAccount', () => {
  const [, role, binding] = buildBaseline('ns1', spec, keys) as [unknown, { rules: { resources: string[] }[] }, { subjects: { name: string; namespace: string }[] }];
  assert.ok(role.rules.every((r) => !r.resources.includes('secrets') && !r.resources.includes('*')));
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'codex-runner', namespace: 'ns1' }]);
});

test('namespace labels and the managed guard', () => {
  const labels = namespaceLabels(keys, { runId: 'R_1', projectId: 'P', correlationId: 'c', runtimeMode: 'full-env', issueNumber: 42 });
  assert.deepEqual(labels, {
    'codex-k8s.dev/managed-by': 'codex-k8s-worker',
    'codex-k8s.dev/namespace-purpose': 'run',
    'codex-k8s.dev/runtime-mode': 'full-env',
    'codex-k8s.dev/run-id': 'r-1',
    'codex-k8s.dev/project-id': 'p',
    'codex-k8s.dev/issue-number': '42',
  });
  assert.equal(isManagedRunNamespace(keys, labels), true);
  assert.equal(isManagedRunNamespace(keys, { ...labels, 'codex-k8s.dev/managed-by': 'someone' }), false);
  assert.equal(isManagedRunNamespace(keys, {}), false);
  assert.equal(isManagedRunNamespace(keys, undefined), false);
});

test('quantities', () => {
  for (const q of ['250m', '1', '1.5Gi', '8Gi', '16Gi', '1e3', '0.5', '20']) assert.ok(isQuantity(q), q);
  for (const q of ['', 'lots', '8GB', '1.2.3', '-', '8 Gi', '1Gib']) assert.ok(!isQuantity(q), q);
});

test('the NetworkPolicy admits the namespace itself and the ingress controller, nothing else', () => {
  const np = buildBaseline('ns1', spec, keys).find((o) => o.kind === 'NetworkPolicy') as unknown as { spec: { ingress: { from: unknown[] }[]; policyTypes: string[] } };
  assert.deepEqual(np.spec.policyTypes, ['Ingress']);
  assert.deepEqual(np.spec.ingress[0]?.from, [{ podSelector: {} }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildBaseline, type BaselineSpec } from './baseline.js';
import { BaselineEnv, isNetworkCidr } from './env.js';
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
  egressBlockedCidrs: ['10.0.0.0/8', '169.254.0.0/16', 'fc00::/7'],
  platformNamespace: 'codex-k8s-system',
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
    'codex-k8s.dev/owner-project-id': 'p',
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
  assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
  assert.deepEqual(np.spec.ingress, [{ from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] }]);
});

test('egress: the namespace, the ingress controller, cluster DNS, agent-gateway and public addresses only, per address family', () => {
  const egressOf = (s: BaselineSpec) => (buildBaseline('ns1', s, keys).find((o) => o.kind === 'NetworkPolicy') as unknown as { spec: { egress: unknown[] } }).spec.egress;
  const ingressNs = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } };
  const dns = {
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
    ports: [
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ],
  };
  // Only agent-gateway's pods of the platform namespace, only its API port (both selectors in one peer: AND).
  const gateway = (ns: string) => ({
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'agent-gateway' } } }],
    ports: [{ port: 8080, protocol: 'TCP' }],
  });
  assert.deepEqual(egressOf(spec), [
    { to: [{ podSelector: {} }, ingressNs] },
    dns,
    gateway('codex-k8s-system'),
    { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '169.254.0.0/16'] } }, { ipBlock: { cidr: '::/0', except: ['fc00::/7'] } }] },
  ]);
  // Nothing blocked in a family: that family's whole range, with no `except` at all.
  // The platform namespace as configured (CODEXK8S_PLATFORM_NAMESPACE), never a fixed name.
  const open = egressOf({ ...spec, ingressFromNamespaces: [], egressBlockedCidrs: ['10.0.0.0/8'], platformNamespace: 'platform' });
  assert.deepEqual(open, [{ to: [{ podSelector: {} }] }, dns, gateway('platform'), { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }, { ipBlock: { cidr: '::/0' } }] }]);
});

test('the default blocked networks are the private and link-local ranges, and a bad CIDR is refused', () => {
  assert.deepEqual(BaselineEnv.parse({}).CODEXK8S_RUN_EGRESS_BLOCKED_CIDRS, ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', 'fc00::/7', 'fe80::/10']);
  assert.deepEqual(BaselineEnv.parse({ CODEXK8S_RUN_EGRESS_BLOCKED_CIDRS: ' 10.1.0.0/16 , 2001:db8::/32 ' }).CODEXK8S_RUN_EGRESS_BLOCKED_CIDRS, ['10.1.0.0/16', '2001:db8::/32']);
  assert.deepEqual(BaselineEnv.parse({ CODEXK8S_RUN_EGRESS_BLOCKED_CIDRS: '' }).CODEXK8S_RUN_EGRESS_BLOCKED_CIDRS, []);
  for (const ok of ['10.0.0.0/8', '203.0.113.0/24', 'fe80::/10', '::ffff:10.0.0.0/104']) assert.ok(isNetworkCidr(ok), ok);
  for (const bad of ['10.0.0.1/8', '0.0.0.0/0', '::/0', '10.0.0.0', '10.0.0.0/33', '300.0.0.0/8', 'fe80::1/10', 'private']) assert.ok(!isNetworkCidr(bad), bad);
});

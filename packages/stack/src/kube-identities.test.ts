import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KUBE_SERVICES, kubeIdentityManifests, PLATFORM_NAMESPACE, serviceKubeconfigFile, serviceKubeconfigPath } from './kube-identities.js';

test('the identity objects of deploy/base: who the services are and what they may do, never workloads', () => {
  const objects = kubeIdentityManifests();
  const kinds = new Set(objects.map((o) => o.kind));
  for (const k of ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']) assert.ok(kinds.has(k), k);
  for (const k of ['Deployment', 'ConfigMap', 'Service', 'NetworkPolicy']) assert.ok(!kinds.has(k), `no ${k}`);
  assert.equal(objects[0]?.kind, 'Namespace', 'the namespace first, so the ServiceAccounts have a home');
  for (const o of objects) {
    const namespaced = o.kind === 'ServiceAccount' || o.kind === 'Role' || o.kind === 'RoleBinding';
    assert.equal(o.metadata?.namespace, namespaced ? PLATFORM_NAMESPACE : undefined, `${o.kind}/${o.metadata?.name ?? ''}`);
  }
  const accounts = objects.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata?.name);
  for (const s of [...KUBE_SERVICES, 'codex-agent']) assert.ok(accounts.includes(s), s);
});

test('a service gets its own kubeconfig, never the admin one, unless the caller names another', () => {
  const dir = mkdtempSync(join(tmpdir(), 'codex-k8s-ids-'));
  for (const s of KUBE_SERVICES) writeFileSync(serviceKubeconfigPath(dir, s), 'x');
  const env = { KUBECONFIG: '/admin.kubeconfig', CODEXK8S_SERVICE_KUBECONFIG_DIR: dir };
  assert.equal(serviceKubeconfigFile('deployer', env), join(dir, 'deployer.kubeconfig'));
  assert.equal(serviceKubeconfigFile('planner', env), undefined, 'no Kubernetes work, no kubeconfig at all');
  assert.equal(serviceKubeconfigFile('deployer', env, '/test-identity.kubeconfig'), '/test-identity.kubeconfig');
  const missing = { ...env, CODEXK8S_SERVICE_KUBECONFIG_DIR: join(dir, 'nope') };
  assert.throws(() => serviceKubeconfigFile('agent-launcher', missing), /agent-launcher: no kubeconfig/);
});

test('without service identities (an external cluster), the given KUBECONFIG is used as it is', { skip: Boolean(process.env.CODEXK8S_SERVICE_KUBECONFIG_DIR) && 'this process has a stack identity directory' }, () => {
  assert.equal(serviceKubeconfigFile('deployer', { KUBECONFIG: '/theirs.kubeconfig' }), '/theirs.kubeconfig');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { checkTenantPolicy, TenantPolicyError } from './tenant-policy.js';

const reserved = { names: ['ServiceAccount/codex-runner', 'Role/codex-runner', 'RoleBinding/codex-runner', 'NetworkPolicy/codex-run-isolation'], managedByLabel: 'codex-k8s.dev/managed-by' };
const rendered = (object: Record<string, unknown>) => ({ unit: 'api', file: 'deploy/api.yaml', object: object as KubernetesObject });
const rb = (roleRef: Record<string, string>, subjects: Record<string, string>[] = [{ kind: 'ServiceAccount', name: 'api' }]) =>
  rendered({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'grab' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef }, subjects });
const refuses = (objs: ReturnType<typeof rendered>[], pattern: RegExp) =>
  assert.throws(() => checkTenantPolicy(objs, 'shop-dev-1', reserved), (err: unknown) => err instanceof TenantPolicyError && pattern.test(err.message));

test('a RoleBinding to cluster-admin (or any ClusterRole) is refused with its file', () => {
  refuses([rb({ kind: 'ClusterRole', name: 'cluster-admin' })], /RoleBinding\/grab \(deploy\/api\.yaml\) binds ClusterRole\/cluster-admin/);
  refuses([rendered({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'x' }, roleRef: { kind: 'ClusterRole', name: 'view' } })], /ClusterRoleBinding\/x/);
});

test('bindings grant only to the slot\'s own ServiceAccounts', () => {
  refuses([rb({ kind: 'Role', name: 'reader' }, [{ kind: 'ServiceAccount', name: 'namespace-provisioner', namespace: 'codex-k8s-system' }])], /ServiceAccount\/namespace-provisioner in codex-k8s-system/);
  refuses([rb({ kind: 'Role', name: 'reader' }, [{ kind: 'Group', name: 'system:authenticated' }])], /Group\/system:authenticated/);
  assert.doesNotThrow(() => checkTenantPolicy([rb({ kind: 'Role', name: 'reader' }, [{ kind: 'ServiceAccount', name: 'api', namespace: 'shop-dev-1' }])], 'shop-dev-1', reserved));
});

test('Roles may not carry escalation verbs; ordinary Roles pass', () => {
  const role = (verbs: string[]) => rendered({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs }] });
  for (const v of ['*', 'escalate', 'bind', 'impersonate']) refuses([role(['get', v])], new RegExp(`grants the verb "${v.replace('*', '\\*')}"`));
  assert.doesNotThrow(() => checkTenantPolicy([role(['get', 'list'])], 'shop-dev-1', reserved));
});

test('the platform baseline and its label are the platform\'s', () => {
  refuses([rendered({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'codex-runner' } })], /part of the platform baseline/);
  refuses([rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { 'codex-k8s.dev/managed-by': 'codex-k8s-worker' } } })], /carries the platform label/);
});

test('a NetworkPolicy may add ingress rules but never egress', () => {
  refuses([rendered({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'open' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] } })], /egress rules/);
  assert.doesNotThrow(() => checkTenantPolicy([rendered({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web' }, spec: { podSelector: {}, ingress: [{}] } })], 'shop-dev-1', reserved));
});

test('every refusal is listed at once', () => {
  refuses([rb({ kind: 'ClusterRole', name: 'cluster-admin' }), rendered({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'codex-runner' } })], /cluster-admin.*; ServiceAccount\/codex-runner/);
});

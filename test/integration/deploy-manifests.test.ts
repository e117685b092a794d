import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_EGRESS_BLOCKED_CIDRS } from '@codex-k8s/kube';
import { AdmissionregistrationV1Api, AppsV1Api, CoreV1Api, NetworkingV1Api, RbacAuthorizationV1Api, type V1NetworkPolicySpec, type V1ValidatingAdmissionPolicy, type V1ValidatingAdmissionPolicyBinding } from '@kubernetes/client-node';
import { PLATFORM_SERVICES } from '@codex-k8s/stack';
import { applyDeployBase, PLATFORM_NS } from '../support/deploy.js';
import { eventually } from '../support/github.js';
import { adminKubeConfig } from '../support/platform.js';

// The shipped manifests go through the real apiserver's validation and admission (Pod Security "restricted" on
// the namespace), and kwok runs their pods, so every Deployment must become available.
test('deploy/base applies to the real apiserver and every service runs under its own ServiceAccount', async () => {
  const kc = adminKubeConfig();
  await applyDeployBase(kc);
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  for (const name of PLATFORM_SERVICES) {
    const d = await apps.readNamespacedDeployment({ name, namespace: PLATFORM_NS });
    assert.equal(d.spec?.template.spec?.serviceAccountName, name, `${name} runs as ${name}`);
    assert.equal(d.spec?.template.spec?.containers[0]?.name, name);
    await core.readNamespacedServiceAccount({ name, namespace: PLATFORM_NS });
  }
  await eventually(
    'all platform Deployments available',
    async () => {
      const list = await apps.listNamespacedDeployment({ namespace: PLATFORM_NS });
      const ready = list.items.filter((d) => (d.status?.availableReplicas ?? 0) >= 1).map((d) => d.metadata?.name);
      return PLATFORM_SERVICES.every((s) => ready.includes(s)) ? true : undefined;
    },
    90_000,
  );
  const mounted = (await core.listNamespacedServiceAccount({ namespace: PLATFORM_NS })).items.filter((sa) => sa.automountServiceAccountToken !== false).map((sa) => sa.metadata?.name);
  assert.ok(!mounted.includes('webhook-ingress') && !mounted.includes('audit-writer') && !mounted.includes('planner'), 'services without Kubernetes work mount no token');
});

// The admission policies are the half of least privilege RBAC cannot express (docs/adr/0002): every platform
// identity that writes has its policies, each one refusing with 403 and failing closed.
test('every writing identity is pinned by admission policies that deny with 403 and fail closed', async () => {
  const kc = adminKubeConfig();
  await applyDeployBase(kc);
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  const policies = (await admission.listValidatingAdmissionPolicy()).items.filter((p) => p.metadata?.labels?.['app.kubernetes.io/part-of'] === 'codex-k8s');
  const bindings = (await admission.listValidatingAdmissionPolicyBinding()).items;
  for (const who of ['namespace-provisioner', 'deployer', 'agent-launcher']) {
    const own = policies.filter((p) => p.metadata?.labels?.['app.kubernetes.io/name'] === who);
    assert.ok(own.length > 0, `${who} has admission policies`);
    for (const p of own) assertPinned(p, who, bindings);
  }
});

function assertPinned(p: V1ValidatingAdmissionPolicy, who: string, bindings: readonly V1ValidatingAdmissionPolicyBinding[]): void {
  const name = p.metadata?.name ?? '';
  const spec = p.spec ?? {};
  assert.equal(spec.failurePolicy, 'Fail', `${name} fails closed`);
  assert.deepEqual(spec.matchConditions?.map((c) => c.expression), [`request.userInfo.username == 'system:serviceaccount:${PLATFORM_NS}:${who}'`], `${name} applies to ${who} only`);
  const validations = spec.validations ?? [];
  assert.ok(validations.length > 0 && validations.every((v) => v.reason === 'Forbidden'), `${name}: every refusal is a 403`);
  assert.deepEqual(p.status?.typeChecking?.expressionWarnings ?? [], [], `${name} type-checks against the objects it matches`);
  assert.deepEqual(bindings.find((x) => x.spec?.policyName === name)?.spec?.validationActions, ['Deny'], `${name} is bound with Deny`);
}

test('code-only agents run as codex-agent: no token, no RBAC', async () => {
  const kc = adminKubeConfig();
  await applyDeployBase(kc);
  const sa = await kc.makeApiClient(CoreV1Api).readNamespacedServiceAccount({ name: 'codex-agent', namespace: PLATFORM_NS });
  assert.equal(sa.automountServiceAccountToken, false);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const subjects = [...(await rbac.listClusterRoleBinding()).items, ...(await rbac.listRoleBindingForAllNamespaces()).items].flatMap((b) => b.subjects ?? []);
  assert.ok(!subjects.some((s) => s.kind === 'ServiceAccount' && s.name === 'codex-agent'), 'nothing is bound to codex-agent');
});

// kwok nodes run no CNI, so what the policies do to traffic cannot be observed here: their content is asserted.
test('the platform namespace admits only the webhook port; code-only agents reach only DNS and public addresses', async () => {
  const kc = adminKubeConfig();
  await applyDeployBase(kc);
  const net = kc.makeApiClient(NetworkingV1Api);
  // Plain JSON: client-node hands out model class instances, which strict deep equality tells apart from literals.
  const byName = new Map((await net.listNamespacedNetworkPolicy({ namespace: PLATFORM_NS })).items.map((p) => [p.metadata?.name ?? '', JSON.parse(JSON.stringify(p.spec)) as V1NetworkPolicySpec]));
  assert.deepEqual(byName.get('default-deny-ingress'), { podSelector: {}, policyTypes: ['Ingress'] });
  const webhook = byName.get('webhook-ingress-http') ?? { podSelector: {} };
  assert.deepEqual(webhook.podSelector?.matchLabels, { 'app.kubernetes.io/name': 'webhook-ingress' });
  assert.deepEqual(webhook.ingress, [{ ports: [{ port: 'http', protocol: 'TCP' }] }], 'the HTTP port from anywhere, nothing else');
  const agents = byName.get('code-only-agent-egress') ?? { podSelector: {} };
  assert.deepEqual(agents.podSelector?.matchLabels, { 'app.kubernetes.io/name': 'codex-k8s-run' }, 'the label every agent pod carries');
  assert.deepEqual(agents.policyTypes, ['Egress']);
  const [dns, world] = agents.egress ?? [];
  assert.deepEqual(dns?.to, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }]);
  assert.deepEqual(dns?.ports, [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
  assert.equal(world?.ports, undefined);
  const blocked = DEFAULT_EGRESS_BLOCKED_CIDRS as readonly string[];
  assert.deepEqual(world?.to, [
    { ipBlock: { cidr: '0.0.0.0/0', except: blocked.filter((c) => !c.includes(':')) } },
    { ipBlock: { cidr: '::/0', except: blocked.filter((c) => c.includes(':')) } },
  ], 'the same ranges run namespaces block by default');
});

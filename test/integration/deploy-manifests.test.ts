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
  for (const name of ['webhook-ingress', 'audit-writer', 'planner', 'agent-gateway']) assert.ok(!mounted.includes(name), `${name}: no Kubernetes work, no token`);
});

// The per-run rate limit of agent-gateway lives in each replica: an agent sticks to one.
test('agent-gateway: two replicas behind a Service on 8080 with client-IP affinity, no RBAC', async () => {
  const kc = adminKubeConfig();
  await applyDeployBase(kc);
  const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'agent-gateway', namespace: PLATFORM_NS });
  assert.equal(d.spec?.replicas, 2);
  const env = Object.fromEntries((d.spec?.template.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
  assert.equal(env.HTTP_HOST, '0.0.0.0');
  assert.equal(env.HTTP_PORT, '8080');
  const svc = await kc.makeApiClient(CoreV1Api).readNamespacedService({ name: 'agent-gateway', namespace: PLATFORM_NS });
  assert.equal(svc.spec?.sessionAffinity, 'ClientIP');
  assert.deepEqual(svc.spec?.ports?.map((p) => [p.name, p.port, p.targetPort]), [['http', 8080, 'http']]);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const subjects = [...(await rbac.listClusterRoleBinding()).items, ...(await rbac.listRoleBindingForAllNamespaces()).items].flatMap((b) => b.subjects ?? []);
  assert.ok(!subjects.some((s) => s.kind === 'ServiceAccount' && s.name === 'agent-gateway'), 'nothing is bound to agent-gateway');
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
test('the platform namespace admits only the webhook port and agents on the gateway port; code-only agents reach only DNS, the gateway and public addresses', async () => {
  const kc = adminKubeConfig();
  await applyDeployBase(kc);
  const net = kc.makeApiClient(NetworkingV1Api);
  // Plain JSON: client-node hands out model class instances, which strict deep equality tells apart from literals.
  const byName = new Map((await net.listNamespacedNetworkPolicy({ namespace: PLATFORM_NS })).items.map((p) => [p.metadata?.name ?? '', JSON.parse(JSON.stringify(p.spec)) as V1NetworkPolicySpec]));
  assert.deepEqual(byName.get('default-deny-ingress'), { podSelector: {}, policyTypes: ['Ingress'] });
  const webhook = byName.get('webhook-ingress-http') ?? { podSelector: {} };
  assert.deepEqual(webhook.podSelector?.matchLabels, { 'app.kubernetes.io/name': 'webhook-ingress' });
  assert.deepEqual(webhook.ingress, [{ ports: [{ port: 'http', protocol: 'TCP' }] }], 'the HTTP port from anywhere, nothing else');
  const agentPods = { matchLabels: { 'app.kubernetes.io/name': 'codex-k8s-run' } };
  const gateway = byName.get('agent-gateway-http') ?? { podSelector: {} };
  assert.deepEqual(gateway.podSelector?.matchLabels, { 'app.kubernetes.io/name': 'agent-gateway' });
  assert.deepEqual(gateway.policyTypes, ['Ingress']);
  assert.deepEqual(gateway.ingress, [
    {
      // client-node reads the wire field `from` as `_from`.
      _from: [
        { podSelector: agentPods },
        {
          namespaceSelector: {
            matchLabels: { 'codex-k8s.dev/managed-by': 'codex-k8s-worker' },
            matchExpressions: [{ key: 'codex-k8s.dev/namespace-purpose', operator: 'In', values: ['run', 'slot'] }],
          },
          podSelector: agentPods,
        },
      ],
      ports: [{ port: 8080, protocol: 'TCP' }],
    },
  ], 'the API port from agent pods of this namespace and of run/slot namespaces, nothing else');
  const agents = byName.get('code-only-agent-egress') ?? { podSelector: {} };
  assert.deepEqual(agents.podSelector, agentPods, 'the label every agent pod carries');
  assert.deepEqual(agents.policyTypes, ['Egress']);
  const blocked = DEFAULT_EGRESS_BLOCKED_CIDRS as readonly string[];
  assert.deepEqual(agents.egress, [
    {
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
      ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
    },
    // agent-gateway's pods of this namespace, its API port only.
    { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'agent-gateway' } } }], ports: [{ port: 8080, protocol: 'TCP' }] },
    // The same ranges run namespaces block by default.
    {
      to: [
        { ipBlock: { cidr: '0.0.0.0/0', except: blocked.filter((c) => !c.includes(':')) } },
        { ipBlock: { cidr: '::/0', except: blocked.filter((c) => c.includes(':')) } },
      ],
    },
  ], 'DNS, agent-gateway and public addresses, nothing else');
});

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ObjectApplier } from '@codex-k8s/kube';
import { directorySource, loadServicesYaml, type ResolvedStack } from '@codex-k8s/services-config';
import { REPO_ROOT } from '@codex-k8s/stack';
import { AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, NetworkingV1Api, RbacAuthorizationV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { ClusterScopedError } from '../../services/deployer/src/apply.js';
import { TenantPolicyError } from '../../services/deployer/src/tenant-policy.js';
import { NO_PROGRESS, deployStep, type DeployInput, type UnitProgress } from '../../services/deployer/src/deploy.js';
import type { DeployProgress } from '@codex-k8s/db';
import { slotVars } from '../../services/deployer/src/vars.js';
import { uniqueSuffix } from '../support/env.js';
import { eventually } from '../support/github.js';
import { adminKubeConfig } from '../support/platform.js';

const kc = adminKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const net = kc.makeApiClient(NetworkingV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const applier = ObjectApplier.forConfig(kc);
const deps = { applier, fieldManager: 'deployer', timeoutMs: 60_000, pollMs: 250 };
const reserved = { names: ['ServiceAccount/codex-runner', 'Role/codex-runner', 'RoleBinding/codex-runner'], managedByLabel: 'codex-k8s.dev/managed-by' };

// The deployer's core against the real control plane with cert-manager: a copy of the sample project per test
// run, slot numbers unique per run so parallel runs never share a namespace.
describe('slot deploy of the sample project', () => {
  const slot = 100 + Math.floor(Math.random() * 800);
  let repo: string;
  let stack: ResolvedStack;
  const created: string[] = [];

  before(async () => {
    repo = mkdtempSync(join(tmpdir(), 'codex-k8s-repo-'));
    cpSync(join(REPO_ROOT, 'test/fixtures/sample-project'), repo, { recursive: true });
    stack = await loadServicesYaml(directorySource(repo), { file: 'services.yaml', env: 'ai', slot });
    await core.createNamespace({ body: { metadata: { name: stack.namespace } } });
    created.push(stack.namespace);
  });
  after(async () => {
    for (const ns of created) await core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  const vars = (s: ResolvedStack, extra: Record<string, string> = {}) => slotVars(s, { clusterIssuer: 'codex-k8s-local-ca', extra });

  test('everything deploys in order, each unit ready before the next; host, TLS and URL agree; certificate issued', async () => {
    const progress: UnitProgress[] = [];
    const res = await deployAll({ src: directorySource(repo), stack, vars: vars(stack), reserved, log: () => undefined, onUnitReady: async (p) => void progress.push(p) });
    assert.equal(stack.namespace, `shop-dev-${slot}`);
    assert.deepEqual(progress.map((p) => `${p.unit.group}/${p.unit.name}`), ['infrastructure/config', 'infrastructure/postgres', 'migrations/migrate', 'internal/api', 'edge/gateway', 'frontend/web']);
    for (let i = 1; i < progress.length; i++) {
      assert.ok((progress[i]?.startedAt.getTime() ?? 0) >= (progress[i - 1]?.readyAt.getTime() ?? Infinity), `${progress[i]?.unit.name} started after ${progress[i - 1]?.unit.name} was ready`);
    }
    assert.equal(res.unchanged, false);

    const host = `shop-${slot}.ai.example.test`;
    assert.equal(stack.host, host);
    const ing = await net.readNamespacedIngress({ name: 'gateway', namespace: stack.namespace });
    assert.equal(ing.spec?.rules?.[0]?.host, host);
    assert.deepEqual(ing.spec?.tls?.[0]?.hosts, [host]);
    const cm = await core.readNamespacedConfigMap({ name: 'shop-config', namespace: stack.namespace });
    assert.equal(cm.data?.publicBaseUrl, `https://${host}`);
    const web = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'web', namespace: stack.namespace });
    assert.ok(web.spec?.template.spec?.containers[0]?.args?.includes(`--redirect-url=https://${host}/oauth2/callback`));

    // cert-manager's ingress-shim made the Certificate from the Ingress annotation; the CA issuer signed it.
    const cert = await eventually('Certificate Ready=True', async () => {
      const c = (await custom.getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace: stack.namespace, plural: 'certificates', name: 'codex-k8s-ai-tls' })) as { status?: { conditions?: { type: string; status: string }[] } };
      return c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ? c : undefined;
    }, 60_000);
    assert.ok(cert);
    const secret = await core.readNamespacedSecret({ name: 'codex-k8s-ai-tls', namespace: stack.namespace });
    const x509 = new X509Certificate(Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64'));
    assert.equal(x509.checkHost(host), host, 'the certificate is valid for the slot host');
  });

  test('a second reconcile with the same desired state changes no object', async () => {
    const before = await resourceVersions(stack.namespace);
    const first = await deployAll({ src: directorySource(repo), stack, vars: vars(stack), reserved, log: () => undefined });
    const again = await deployAll({ src: directorySource(repo), stack, vars: vars(stack), previousFingerprint: first.fingerprint, reserved, log: () => undefined });
    assert.equal(again.unchanged, true);
    assert.equal(again.fingerprint, first.fingerprint);
    // the first call re-applied identical objects (server-side apply no-ops) except the Job, which is replaced
    const afterRv = await resourceVersions(stack.namespace);
    for (const [k, rv] of Object.entries(before)) if (!k.startsWith('Job/') && !k.startsWith('Pod/')) assert.equal(afterRv[k], rv, `${k} unchanged`);
    const third = await resourceVersions(stack.namespace);
    assert.deepEqual(third, afterRv);
  });

  test('a value with YAML structure in it stays one string in one object', async () => {
    const hostile = 'hi\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: pwned\n# : {{ Env }}';
    await deployAll({ src: directorySource(repo), stack, vars: vars(stack, { SHOP_GREETING: hostile }), reserved, log: () => undefined });
    const cm = await core.readNamespacedConfigMap({ name: 'shop-config', namespace: stack.namespace });
    assert.equal(cm.data?.greeting, hostile);
    await assert.rejects(rbac.readClusterRole({ name: 'pwned' }), (e: { code?: number }) => e.code === 404);
  });

  test('a deploy handed over mid-way is continued from its saved progress: nothing ready is applied again', async () => {
    const s4 = await loadServicesYaml(directorySource(repo), { file: 'services.yaml', env: 'ai', slot: slot + 3 });
    await core.createNamespace({ body: { metadata: { name: s4.namespace } } });
    created.push(s4.namespace);
    const lines: string[] = [];
    const input = { src: directorySource(repo), stack: s4, vars: vars(s4), reserved, log: (_stage: string, m: string) => void lines.push(m) };
    // The first instance: steps until the migrations Job (third unit) has been applied, then it is gone.
    const saved = { progress: NO_PROGRESS, steps: 0 };
    while (saved.progress.unitsDone < 2 || !saved.progress.unitAppliedAt) {
      const step = await deployStep(deps, { ...input, progress: saved.progress, saveProgress: async (p) => void (saved.progress = p) });
      assert.equal(step.state, 'waiting', 'a unit not ready ends the step instead of waiting in it');
      await new Promise((r) => setTimeout(r, 200));
    }
    const config = await core.readNamespacedConfigMap({ name: 'shop-config', namespace: s4.namespace });
    const job = await kc.makeApiClient(BatchV1Api).readNamespacedJob({ name: 'migrate', namespace: s4.namespace });
    // The next instance continues from the row.
    const res = await deployAll(input, saved);
    assert.equal(res.unchanged, false);
    const applying = lines.filter((l) => l.startsWith('applying '));
    assert.deepEqual(applying.map((l) => l.split(' ')[1]), ['infrastructure/config', 'infrastructure/postgres', 'migrations/migrate', 'internal/api', 'edge/gateway', 'frontend/web'], 'each unit applied once');
    assert.equal((await core.readNamespacedConfigMap({ name: 'shop-config', namespace: s4.namespace })).metadata?.resourceVersion, config.metadata?.resourceVersion, 'a ready unit is not re-applied');
    assert.equal((await kc.makeApiClient(BatchV1Api).readNamespacedJob({ name: 'migrate', namespace: s4.namespace })).metadata?.uid, job.metadata?.uid, 'the applied Job is not replaced');
  });

  test('a slot host that no Ingress or Certificate issues a certificate for fails the deploy before any apply', async () => {
    const s5 = await loadServicesYaml(directorySource(repo), { file: 'services.yaml', env: 'ai', slot: slot + 4 });
    await core.createNamespace({ body: { metadata: { name: s5.namespace } } });
    created.push(s5.namespace);
    const original = readFile(repo, 'deploy/ingress.yaml');
    // The Ingress without its cert-manager annotation: nothing would ever issue codex-k8s-ai-tls.
    writeFileSync(join(repo, 'deploy/ingress.yaml'), original.replace(/^ {2}annotations:\n.*\n/m, ''));
    try {
      await assert.rejects(deployAll({ src: directorySource(repo), stack: s5, vars: vars(s5), reserved, log: () => undefined }), /no Ingress with a cert-manager issuer annotation and a tls entry for shop-\d+\.ai\.example\.test with secretName codex-k8s-ai-tls/);
    } finally {
      writeFileSync(join(repo, 'deploy/ingress.yaml'), original);
    }
    assert.equal((await core.listNamespacedConfigMap({ namespace: s5.namespace })).items.filter((c) => c.metadata?.name === 'shop-config').length, 0, 'nothing applied');
  });

  test('a manifest with a ClusterIssuer or ClusterRole is refused before anything is applied', async () => {
    const s2 = await loadServicesYaml(directorySource(repo), { file: 'services.yaml', env: 'ai', slot: slot + 1 });
    await core.createNamespace({ body: { metadata: { name: s2.namespace } } });
    created.push(s2.namespace);
    const name = `evil-${uniqueSuffix()}`;
    writeFileSync(join(repo, 'deploy/api.yaml'), `${readFile(repo, 'deploy/api.yaml')}---
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: ${name}
spec:
  selfSigned: {}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ${name}
rules: []
`);
    await assert.rejects(deployAll({ src: directorySource(repo), stack: s2, vars: vars(s2), reserved, log: () => undefined }), (e: unknown) => {
      assert.ok(e instanceof ClusterScopedError);
      assert.match(e.message, new RegExp(`ClusterIssuer/${name} \\(deploy/api.yaml\\), ClusterRole/${name} \\(deploy/api.yaml\\)`));
      return true;
    });
    await assert.rejects(rbac.readClusterRole({ name }), (e: { code?: number }) => e.code === 404);
    await assert.rejects(custom.getClusterCustomObject({ group: 'cert-manager.io', version: 'v1', plural: 'clusterissuers', name }), (e: { code?: number }) => e.code === 404);
    assert.equal((await core.listNamespacedConfigMap({ namespace: s2.namespace })).items.filter((c) => c.metadata?.name === 'shop-config').length, 0, 'nothing applied');
  });

  test('a tenant RoleBinding to cluster-admin in its slot is refused before anything is applied', async () => {
    const s3 = await loadServicesYaml(directorySource(repo), { file: 'services.yaml', env: 'ai', slot: slot + 2 });
    await core.createNamespace({ body: { metadata: { name: s3.namespace } } });
    created.push(s3.namespace);
    const original = readFile(repo, 'deploy/web.yaml');
    writeFileSync(join(repo, 'deploy/web.yaml'), `${original}---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: make-me-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: default
`);
    try {
      await assert.rejects(deployAll({ src: directorySource(repo), stack: s3, vars: vars(s3), reserved, log: () => undefined }), (e: unknown) => {
        assert.ok(e instanceof TenantPolicyError, String(e));
        assert.match(e.message, /RoleBinding\/make-me-admin \(deploy\/web\.yaml\) binds ClusterRole\/cluster-admin/);
        return true;
      });
    } finally {
      writeFileSync(join(repo, 'deploy/web.yaml'), original);
    }
    assert.deepEqual((await rbac.listNamespacedRoleBinding({ namespace: s3.namespace })).items.map((b) => b.metadata?.name), [], 'no binding exists');
    assert.equal((await core.listNamespacedConfigMap({ namespace: s3.namespace })).items.filter((c) => c.metadata?.name === 'shop-config').length, 0, 'not even the first unit was applied');
  });
});

/**
 * Drives deployStep the way the bus drives the deployer: one step per delivery, the progress kept between steps as
 * the deploy task row keeps it, a pause while a unit is not ready. `saved` carries the progress in and out.
 */
async function deployAll(
  input: Omit<DeployInput, 'progress' | 'saveProgress'>,
  saved: { progress: DeployProgress; steps: number } = { progress: NO_PROGRESS, steps: 0 },
): Promise<{ fingerprint: string; unchanged: boolean }> {
  for (;;) {
    saved.steps++;
    const step = await deployStep(deps, { ...input, progress: saved.progress, saveProgress: async (p) => void (saved.progress = p) });
    if (step.state === 'done') return step;
    await new Promise((r) => setTimeout(r, step.delayMs));
  }
}

function readFile(root: string, p: string): string {
  return readFileSync(join(root, p), 'utf8');
}

async function resourceVersions(namespace: string): Promise<Record<string, string>> {
  const apps = kc.makeApiClient(AppsV1Api);
  const out: Record<string, string> = {};
  const put = (kind: string, items: KubernetesObject[]) => {
    for (const i of items) out[`${kind}/${i.metadata?.name ?? ''}`] = i.metadata?.resourceVersion ?? '';
  };
  put('ConfigMap', (await core.listNamespacedConfigMap({ namespace })).items.filter((c) => c.metadata?.name !== 'kube-root-ca.crt'));
  put('Service', (await core.listNamespacedService({ namespace })).items);
  put('Deployment', (await apps.listNamespacedDeployment({ namespace })).items);
  put('StatefulSet', (await apps.listNamespacedStatefulSet({ namespace })).items);
  put('Ingress', (await net.listNamespacedIngress({ namespace })).items);
  return out;
}

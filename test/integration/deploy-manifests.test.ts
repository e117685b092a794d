import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { AppsV1Api, CoreV1Api, KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { ObjectApplier } from '@codex-k8s/kube';
import { parseAllDocuments } from 'yaml';
import { PLATFORM_SERVICES, REPO_ROOT } from '@codex-k8s/stack';
import { requireEnv } from '../support/env.js';
import { eventually } from '../support/github.js';

const BASE = join(REPO_ROOT, 'deploy', 'base');
const NS = 'codex-k8s-system';

function manifests(dir: string): { file: string; obj: KubernetesObject }[] {
  const out: { file: string; obj: KubernetesObject }[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...manifests(p));
    else if (e.endsWith('.yaml') && e !== 'kustomization.yaml') {
      for (const d of parseAllDocuments(readFileSync(p, 'utf8'))) out.push({ file: relative(REPO_ROOT, p), obj: d.toJSON() as KubernetesObject });
    }
  }
  return out;
}

// The shipped manifests go through the real apiserver's validation and admission (Pod Security "restricted" on
// the namespace), and kwok runs their pods, so every Deployment must become available.
test('deploy/base applies to the real apiserver and every service runs under its own ServiceAccount', async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(requireEnv('KUBECONFIG'));
  const objects = ObjectApplier.forConfig(kc);
  const all = manifests(BASE);
  // Namespace first, then the rest (what `kubectl apply -k` does).
  all.sort((a, b) => Number(b.obj.kind === 'Namespace') - Number(a.obj.kind === 'Namespace'));
  for (const { file, obj } of all) {
    if (obj.kind !== 'Namespace') obj.metadata = { ...obj.metadata, namespace: NS };
    await objects.apply(obj, 'codex-k8s-test').catch((err: unknown) => {
      throw new Error(`${file}: ${(err as Error).message}`);
    });
  }
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  for (const name of PLATFORM_SERVICES) {
    const d = await apps.readNamespacedDeployment({ name, namespace: NS });
    assert.equal(d.spec?.template.spec?.serviceAccountName, name, `${name} runs as ${name}`);
    assert.equal(d.spec?.template.spec?.containers[0]?.name, name);
    await core.readNamespacedServiceAccount({ name, namespace: NS });
  }
  await eventually(
    'all platform Deployments available',
    async () => {
      const list = await apps.listNamespacedDeployment({ namespace: NS });
      const ready = list.items.filter((d) => (d.status?.availableReplicas ?? 0) >= 1).map((d) => d.metadata?.name);
      return PLATFORM_SERVICES.every((s) => ready.includes(s)) ? true : undefined;
    },
    90_000,
  );
  const mounted = (await core.listNamespacedServiceAccount({ namespace: NS })).items.filter((sa) => sa.automountServiceAccountToken !== false).map((sa) => sa.metadata?.name);
  assert.ok(!mounted.includes('webhook-ingress') && !mounted.includes('audit-writer') && !mounted.includes('planner'), 'services without Kubernetes work mount no token');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
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

import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ObjectApplier } from '@codex-k8s/kube';
import { REPO_ROOT } from '@codex-k8s/stack';
import { CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';

export const PLATFORM_NS = 'codex-k8s-system';

/** Every object of deploy/base (kustomization files aside), with the file it came from. */
export function deployManifests(dir = join(REPO_ROOT, 'deploy', 'base')): { file: string; obj: KubernetesObject }[] {
  const out: { file: string; obj: KubernetesObject }[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...deployManifests(p));
    else if (e.endsWith('.yaml') && e !== 'kustomization.yaml') {
      for (const d of parseAllDocuments(readFileSync(p, 'utf8'))) out.push({ file: relative(REPO_ROOT, p), obj: d.toJSON() as KubernetesObject });
    }
  }
  return out;
}

const CLUSTER_KINDS = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);

/** Applies deploy/base the way `kubectl apply -k` would (namespace first, namespaced objects into it). */
export async function applyDeployBase(kc: KubeConfig): Promise<KubernetesObject[]> {
  const objects = ObjectApplier.forConfig(kc);
  const all = deployManifests().sort((a, b) => Number(b.obj.kind === 'Namespace') - Number(a.obj.kind === 'Namespace'));
  for (const { file, obj } of all) {
    if (!CLUSTER_KINDS.has(obj.kind ?? '')) obj.metadata = { ...obj.metadata, namespace: PLATFORM_NS };
    await objects.apply(obj, 'codex-k8s-test').catch((err: unknown) => {
      throw new Error(`${file}: ${(err as Error).message}`);
    });
  }
  return all.map((a) => a.obj);
}

/**
 * A kubeconfig file that authenticates as a ServiceAccount (a TokenRequest token), against the same apiserver
 * and CA as `admin`: how a service deployed from deploy/ sees the cluster.
 */
export async function serviceAccountKubeconfig(admin: KubeConfig, namespace: string, name: string): Promise<string> {
  const auth = admin.makeApiClient(CoreV1Api);
  const tr = await auth.createNamespacedServiceAccountToken({ name, namespace, body: { spec: { expirationSeconds: 3600, audiences: ['https://kubernetes.default.svc.cluster.local'] } } });
  const cluster = admin.getCurrentCluster();
  const file = join(mkdtempSync(join(tmpdir(), 'codex-k8s-sa-')), `${name}.kubeconfig`);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: cluster?.server, 'certificate-authority-data': cluster?.caData } }],
      users: [{ name, user: { token: tr.status?.token } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: name } }],
      'current-context': 'c',
    }),
    { mode: 0o600 },
  );
  return file;
}

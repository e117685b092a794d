import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadKubeConfig, ObjectApplier } from '@codex-k8s/kube';
import { ApiextensionsV1Api, CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './paths.js';
import { spawnDetached, stopProcess, waitReady } from './proc.js';

export const CERT_MANAGER_NAMESPACE = 'cert-manager';
/** The bootstrap ClusterIssuer slots are annotated with (deploy/bootstrap/cert-manager/local-ca.yaml). */
export const LOCAL_CLUSTER_ISSUER = 'codex-k8s-local-ca';

const docs = (file: string): KubernetesObject[] =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJSON() as KubernetesObject).filter((o) => o && o.kind);

/**
 * A real cert-manager on the local control plane: its CRDs (from the module zip), the project-built controller
 * (tools/go/cert-manager: issuers, CA/self-signed issuance, Certificate lifecycle, ingress-shim), and the
 * bootstrap CA ClusterIssuer from deploy/bootstrap. Resolves when that ClusterIssuer is Ready.
 */
export async function startCertManager(opts: { bin: string; crdDir: string; kubeconfig: string; logFile: string }): Promise<number> {
  const kc = loadKubeConfig(opts.kubeconfig);
  const applier = ObjectApplier.forConfig(kc);
  const crds = readdirSync(opts.crdDir).filter((f) => f.endsWith('.yaml')).flatMap((f) => docs(join(opts.crdDir, f)));
  for (const crd of crds) await applier.apply(crd, 'codex-k8s-stack');
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  await waitReady('cert-manager CRDs established', async () => {
    const all = await Promise.all(crds.map((c) => ext.readCustomResourceDefinition({ name: c.metadata?.name ?? '' })));
    return all.every((c) => c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'));
  }, { timeoutMs: 30_000 });
  await applier.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: CERT_MANAGER_NAMESPACE } }, 'codex-k8s-stack');
  const pid = spawnDetached(opts.bin, [`--kubeconfig=${opts.kubeconfig}`, `--cluster-resource-namespace=${CERT_MANAGER_NAMESPACE}`], { logFile: opts.logFile });
  try {
    await waitReady('cert-manager controller', async () => readFileSync(opts.logFile, 'utf8').includes('cert-manager-controller: started'), { timeoutMs: 30_000, pid, logFile: opts.logFile });
    for (const obj of docs(join(REPO_ROOT, 'deploy', 'bootstrap', 'cert-manager', 'local-ca.yaml'))) await applier.apply(obj, 'codex-k8s-stack');
    const custom = kc.makeApiClient(CustomObjectsApi);
    await waitReady(`ClusterIssuer ${LOCAL_CLUSTER_ISSUER} Ready`, async () => {
      const ci = (await custom.getClusterCustomObject({ group: 'cert-manager.io', version: 'v1', plural: 'clusterissuers', name: LOCAL_CLUSTER_ISSUER })) as { status?: { conditions?: { type: string; status: string }[] } };
      return Boolean(ci.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }, { timeoutMs: 60_000, pid, logFile: opts.logFile });
  } catch (err) {
    await stopProcess(pid); // not recorded in the stack state yet: stop it here so nothing is left behind
    throw err;
  }
  return pid;
}

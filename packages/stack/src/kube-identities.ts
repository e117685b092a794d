import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadKubeConfig, ObjectApplier } from '@codex-k8s/kube';
import { BatchV1Api, CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { clusterCaPem, kubeconfigYaml } from './kubeconfig.js';
import { REPO_ROOT } from './paths.js';
import { waitReady } from './proc.js';

/** The namespace deploy/base installs into; its admission policies pin this name. */
export const PLATFORM_NAMESPACE = 'codex-k8s-system';
/** The services that talk to the Kubernetes API, each as its own ServiceAccount of deploy/base. */
export const KUBE_SERVICES: readonly string[] = ['namespace-provisioner', 'deployer', 'tls-watcher', 'agent-launcher', 'staff-console'];
/** Names the directory holding `<service>.kubeconfig` for each of KUBE_SERVICES (exported by `stackEnv`). */
export const SERVICE_KUBECONFIG_DIR = 'CODEXK8S_SERVICE_KUBECONFIG_DIR';

/** Who the services are and what they may do: everything of deploy/base except workloads, config and traffic rules. */
const IDENTITY_KINDS = ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'];
const NAMESPACED_KINDS = new Set(['ServiceAccount', 'Role', 'RoleBinding']);
const FIELD_MANAGER = 'codex-k8s-stack';
/** Long enough for a working day; a reused stack issues fresh tokens. */
const TOKEN_SECONDS = 24 * 3600;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((e) => {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) return yamlFiles(p);
      return e.endsWith('.yaml') && e !== 'kustomization.yaml' ? [p] : [];
    });
}

/**
 * The identity objects of deploy/base in apply order (namespace, ServiceAccounts, RBAC, admission policies, their
 * bindings), placed as `kubectl apply -k` places them: namespaced ones into the platform namespace, cluster-scoped
 * ones without a namespace. Deployments, ConfigMaps and NetworkPolicies are left out: services run locally.
 */
export function kubeIdentityManifests(dir = join(REPO_ROOT, 'deploy', 'base')): KubernetesObject[] {
  const all = yamlFiles(dir).flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJSON() as KubernetesObject | null));
  return all
    .filter((o): o is KubernetesObject => Boolean(o?.kind && IDENTITY_KINDS.includes(o.kind)))
    .map((o) => {
      const { namespace: _ignored, ...metadata } = o.metadata ?? {};
      return { ...o, metadata: NAMESPACED_KINDS.has(o.kind ?? '') ? { ...metadata, namespace: PLATFORM_NAMESPACE } : metadata };
    })
    .sort((a, b) => IDENTITY_KINDS.indexOf(a.kind ?? '') - IDENTITY_KINDS.indexOf(b.kind ?? ''));
}

/** The kubeconfig file of one service in `dir`. */
export const serviceKubeconfigPath = (dir: string, service: string): string => join(dir, `${service}.kubeconfig`);

/**
 * The KUBECONFIG a service process gets. An explicit one (a test's own identity) wins. Otherwise, when a directory
 * of service identities is named (CODEXK8S_SERVICE_KUBECONFIG_DIR in `env` or in this process's environment, as
 * `stackEnv` exports it), the service's own ServiceAccount, never the admin KUBECONFIG `env` may also carry (and
 * none for services without Kubernetes work); without one (an external cluster given by the operator),
 * `env.KUBECONFIG` as it is.
 * @throws Error when a Kubernetes service has no kubeconfig in the identity directory.
 */
export function serviceKubeconfigFile(service: string, env: Readonly<Record<string, string>>, explicit?: string): string | undefined {
  if (explicit) return explicit;
  const dir = env[SERVICE_KUBECONFIG_DIR] ?? process.env[SERVICE_KUBECONFIG_DIR];
  if (!dir) return env.KUBECONFIG;
  if (!KUBE_SERVICES.includes(service)) return undefined;
  const file = serviceKubeconfigPath(dir, service);
  if (!existsSync(file)) throw new Error(`${service}: no kubeconfig ${file} (${SERVICE_KUBECONFIG_DIR}); restart the stack to issue it`);
  return file;
}

/**
 * Applies the identity objects of deploy/base, issues a TokenRequest token per Kubernetes service and writes
 * `<dir>/<service>.kubeconfig` for each (replacing older tokens), then waits until the admission policies are
 * enforced. Idempotent: run on every stack start and reuse.
 * @returns the directory of the service kubeconfigs.
 */
export async function ensureKubeIdentities(adminKubeconfig: string, dir: string): Promise<string> {
  const kc = loadKubeConfig(adminKubeconfig);
  const applier = ObjectApplier.forConfig(kc);
  for (const obj of kubeIdentityManifests()) await applier.apply(obj, FIELD_MANAGER);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const core = kc.makeApiClient(CoreV1Api);
  const cluster = kc.getCurrentCluster();
  const caPem = clusterCaPem(cluster);
  for (const service of KUBE_SERVICES) {
    // No audiences: the apiserver's own, as for a mounted ServiceAccount token.
    const tr = await core.createNamespacedServiceAccountToken({ name: service, namespace: PLATFORM_NAMESPACE, body: { spec: { expirationSeconds: TOKEN_SECONDS, audiences: [] } } });
    const file = serviceKubeconfigPath(dir, service);
    // Written aside and renamed: a service starting meanwhile reads the old file or the new one, never half of one.
    writeFileSync(`${file}.tmp`, kubeconfigYaml({ server: cluster?.server ?? '', caPem, token: tr.status?.token ?? '', user: service }), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
  await waitForAdmissionPolicies(dir);
  return dir;
}

/**
 * Policies reach the apiserver's admission chain a moment after they are created. Waits until each identity's
 * policy refuses a write it exists to refuse (server dry-run, nothing is stored), so no service starts unpinned.
 */
async function waitForAdmissionPolicies(dir: string): Promise<void> {
  const as = (service: string): KubeConfig => {
    const kc = loadKubeConfig(serviceKubeconfigPath(dir, service));
    return kc;
  };
  const provisioner = as('namespace-provisioner').makeApiClient(CoreV1Api);
  const deployer = as('deployer').makeApiClient(CoreV1Api);
  const launcher = as('agent-launcher').makeApiClient(BatchV1Api);
  const launcherCore = as('agent-launcher').makeApiClient(CoreV1Api);
  const probe = { metadata: { name: 'codex-k8s-admission-probe' } };
  const job = { ...probe, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'probe', image: 'busybox' }] } } } };
  const refused = (write: Promise<unknown>): Promise<boolean> =>
    write.then(
      () => false,
      (err: { code?: number; body?: unknown }) => err.code === 403 && (typeof err.body === 'string' ? err.body : JSON.stringify(err.body)).includes('ValidatingAdmissionPolicy'),
    );
  await waitReady('admission policies of deploy/base/admission enforced', async () => {
    const results = await Promise.all([
      refused(provisioner.createNamespace({ body: probe, dryRun: 'All' })),
      refused(deployer.createNamespacedConfigMap({ namespace: 'default', body: probe, dryRun: 'All' })),
      refused(launcher.createNamespacedJob({ namespace: 'default', body: job, dryRun: 'All' })),
      refused(launcherCore.createNamespacedSecret({ namespace: 'default', body: { ...probe, type: 'Opaque' }, dryRun: 'All' })),
    ]);
    return results.every(Boolean);
  }, { timeoutMs: 30_000 });
}

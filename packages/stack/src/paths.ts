import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in packages/stack/src or packages/stack/dist). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Everything built or run lives here, outside the work tree. */
export function cacheDir(): string {
  return process.env.CODEXK8S_CACHE_DIR ?? join(homedir(), '.cache', 'codex-k8s');
}

/** State of one named stack: pids, ports, data directories, logs. */
export function stackDir(name: string): string {
  return join(cacheDir(), 'stacks', name);
}

export interface Binaries {
  readonly natsServer: string;
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kubectl: string;
  readonly kwok: string;
  readonly kwokStages: string;
  /** The project-built cert-manager controller (tools/go/cert-manager) and the directory with its CRDs. */
  readonly certManager: string;
  readonly certManagerCrds: string;
  /** The real node's kubelet and kube-proxy (component `node`) and its cluster DNS (component `coredns`). */
  readonly kubelet: string;
  readonly kubeProxy: string;
  readonly coredns: string;
}

export type Component = 'nats' | 'etcd' | 'kwok' | 'k8s' | 'cert-manager' | 'node' | 'coredns';

/**
 * Resolves the server binaries: prebuilt ones named by env vars win (KUBEBUILDER_ASSETS for etcd, the kube
 * binaries, kwok and cert-manager-controller with its CRD files, NATS_SERVER_BIN), else the project's Go build cache, building what is missing
 * (tools/go/build.sh skips anything whose cache stamp matches).
 * @throws Error with install instructions when neither prebuilt binaries nor Go are available.
 */
export function resolveBinaries(components: readonly Component[]): Partial<Binaries> {
  const assets = process.env.KUBEBUILDER_ASSETS;
  const fromAssets = (n: string): string | undefined => (assets && existsSync(join(assets, n)) ? join(assets, n) : undefined);
  const need = components.filter((c) => {
    if (c === 'nats') return !process.env.NATS_SERVER_BIN;
    if (c === 'etcd') return !fromAssets('etcd');
    if (c === 'kwok') return !fromAssets('kwok');
    if (c === 'cert-manager') return !fromAssets('cert-manager-controller');
    if (c === 'node') return !fromAssets('kubelet');
    if (c === 'coredns') return !fromAssets('coredns');
    return !fromAssets('kube-apiserver');
  });
  const dirs = need.length ? buildComponents(need) : {};
  const pick = (comp: Component, name: string, envPath?: string): string =>
    envPath ?? fromAssets(name) ?? join(dirs[comp] ?? '', name);
  const out: Partial<Record<keyof Binaries, string>> = {};
  if (components.includes('nats')) out.natsServer = pick('nats', 'nats-server', process.env.NATS_SERVER_BIN);
  if (components.includes('etcd')) out.etcd = pick('etcd', 'etcd');
  if (components.includes('kwok')) {
    out.kwok = pick('kwok', 'kwok');
    out.kwokStages = fromAssets('stages') ?? join(dirs.kwok ?? '', 'stages');
  }
  if (components.includes('cert-manager')) {
    out.certManager = pick('cert-manager', 'cert-manager-controller');
    out.certManagerCrds = fromAssets('cert-manager-controller') ? (assets as string) : (dirs['cert-manager'] ?? '');
  }
  if (components.includes('node')) {
    out.kubelet = pick('node', 'kubelet');
    out.kubeProxy = pick('node', 'kube-proxy');
  }
  if (components.includes('coredns')) out.coredns = pick('coredns', 'coredns');
  if (components.includes('k8s')) {
    out.kubeApiserver = pick('k8s', 'kube-apiserver');
    out.kubeControllerManager = pick('k8s', 'kube-controller-manager');
    out.kubeScheduler = pick('k8s', 'kube-scheduler');
    out.kubectl = pick('k8s', 'kubectl');
  }
  return out;
}

function buildComponents(components: readonly Component[]): Partial<Record<Component, string>> {
  const script = join(REPO_ROOT, 'tools', 'go', 'build.sh');
  let out: string;
  try {
    out = execFileSync('bash', [script, ...components], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (err) {
    const status = (err as { status?: number }).status;
    throw new Error(
      status === 3
        ? 'Go is not installed and no prebuilt binaries were given (see the message above).'
        : `building ${components.join(', ')} failed (see the message above)`,
    );
  }
  const dirs: Partial<Record<Component, string>> = {};
  for (const line of out.trim().split('\n')) {
    const [k, v] = line.split('=');
    if (k && v) dirs[k as Component] = v;
  }
  return dirs;
}

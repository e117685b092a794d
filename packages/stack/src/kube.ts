import { fileURLToPath } from 'node:url';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from '@codex-k8s/kube';
import { httpsGet } from './https.js';
import { ensureKubeletClientCert } from './kubelet-client.js';
import { kubeconfigYaml } from './kubeconfig.js';
import type { Binaries } from './paths.js';
import { freePort, sleep, spawnDetached, stopProcess, waitReady } from './proc.js';

export interface KubeHandle {
  readonly pids: Readonly<Record<'etcd' | 'apiserver' | 'controllerManager' | 'scheduler' | 'kwok', number>>;
  readonly apiserverPort: number;
  readonly kubeconfig: string;
  readonly dir: string;
}

type KubeBins = Pick<Binaries, 'etcd' | 'kubeApiserver' | 'kubeControllerManager' | 'kubeScheduler' | 'kwok' | 'kwokStages'>;

const PROJECT_STAGES = fileURLToPath(new URL('../stages/', import.meta.url));

/**
 * The real node's own identities (docs/adr/0006), in the apiserver's token file beside the admin: the kubelet as
 * its Node (the Node authorizer and NodeRestriction confine it to its own node and pods), kube-proxy as the user the
 * built-in system:node-proxier binding names, CoreDNS and the TLS proxy as users of their own (their read-only
 * roles are bound when the node starts).
 */
export function nodeIdentities(nodeName: string): { user: string; groups: string[] }[] {
  return [
    { user: `system:node:${nodeName}`, groups: ['system:nodes'] },
    { user: 'system:kube-proxy', groups: [] },
    { user: COREDNS_USER, groups: [] },
    { user: INGRESS_PROXY_USER, groups: [] },
  ];
}
export const COREDNS_USER = 'codex-k8s:local-coredns';
export const INGRESS_PROXY_USER = 'codex-k8s:local-ingress-proxy';

/** Adds a random token for each user the token file lacks (tokens already issued stay valid across restarts). */
function ensureTokens(file: string, users: readonly { user: string; groups: readonly string[] }[]): void {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const have = new Set(lines.map((l) => l.split(',')[1]));
  for (const u of users) if (!have.has(u.user)) lines.push(`${randomBytes(24).toString('hex')},${u.user},${u.user}-uid${u.groups.length ? `,"${u.groups.join(',')}"` : ''}`);
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
}

/** The token of a user in a stack's token file. */
export function tokenOf(kubeDir: string, user: string): string {
  const line = readFileSync(join(kubeDir, 'tokens.csv'), 'utf8').split('\n').find((l) => l.split(',')[1] === user);
  if (!line) throw new Error(`no token for ${user} in ${join(kubeDir, 'tokens.csv')}`);
  return line.split(',')[0] as string;
}

/** Writes the SA signing key, the admin token (and the real node's, when it has one) and kwok's stage config once per stack. */
function preparePki(dir: string, stagesDir: string, nodeName?: string): { token: string } {
  mkdirSync(join(dir, 'pki'), { recursive: true });
  const keyFile = join(dir, 'sa.key');
  if (!existsSync(keyFile)) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  const tokens = join(dir, 'tokens.csv');
  ensureTokens(tokens, [{ user: 'admin', groups: ['system:masters'] }, ...(nodeName ? nodeIdentities(nodeName) : [])]);
  // kwok's upstream stages simulate the kubelet; the project's own (packages/stack/stages) replace the pod ones
  // of the same name and add test outcomes selected by image (see the comment in those files).
  const stages = new Map<string, string>();
  for (const d of [stagesDir, PROJECT_STAGES]) {
    for (const f of readdirSync(d).filter((n) => n.endsWith('.yaml'))) stages.set(f, readFileSync(join(d, f), 'utf8'));
  }
  writeFileSync(join(dir, 'kwok.yaml'), [...stages.keys()].sort().map((f) => stages.get(f)).join('\n---\n'));
  return { token: tokenOf(dir, 'admin') };
}

/**
 * Starts a real control plane on loopback: etcd, kube-apiserver (RBAC on), kube-controller-manager,
 * kube-scheduler and kwok with `nodes` fake Nodes (InternalIP 127.0.0.1), and writes an admin kubeconfig.
 * Resolves when the nodes are Ready and the `default` ServiceAccount exists.
 */
export async function startKube(opts: { bins: KubeBins; stateDir: string; nodes?: number; realNode?: string }): Promise<KubeHandle> {
  const dir = join(opts.stateDir, 'kube');
  const { token } = preparePki(dir, opts.bins.kwokStages, opts.realNode);
  const log = (n: string): string => join(dir, `${n}.log`);
  const [ep, pp, ap, kp] = [await freePort(), await freePort(), await freePort(), await freePort()];

  // Whatever started is stopped again when a later step fails: a failed start leaves no process behind.
  const started: number[] = [];
  try {
    return await launchControlPlane();
  } catch (err) {
    for (const pid of started.reverse()) await stopProcess(pid);
    throw err;
  }

  async function launchControlPlane(): Promise<KubeHandle> {
    const etcd = spawnDetached(opts.bins.etcd, [
      '--name=default', `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${ep}`, `--advertise-client-urls=http://127.0.0.1:${ep}`,
      `--listen-peer-urls=http://127.0.0.1:${pp}`, `--initial-advertise-peer-urls=http://127.0.0.1:${pp}`,
      `--initial-cluster=default=http://127.0.0.1:${pp}`, '--unsafe-no-fsync=true', '--log-level=warn',
      '--listen-metrics-urls=',
    ], { logFile: log('etcd') });
    started.push(etcd);
    await waitReady('etcd', async () => (await fetch(`http://127.0.0.1:${ep}/health`)).ok, { timeoutMs: 30_000, pid: etcd, logFile: log('etcd') });

    const kubeletClient = opts.realNode ? ensureKubeletClientCert(join(dir, 'pki')) : undefined;
    const apiserver = spawnDetached(opts.bins.kubeApiserver, [
      `--etcd-servers=http://127.0.0.1:${ep}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1',
      `--secure-port=${ap}`, `--cert-dir=${join(dir, 'pki')}`, '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true', '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`, `--service-account-key-file=${join(dir, 'sa.key')}`,
      '--authorization-mode=Node,RBAC', `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--enable-priority-and-fairness=false', '--profiling=false', '--v=1',
      // logs/exec/port-forward dial a node by its InternalIP: node names do not resolve here (docs/adr/0006).
      '--kubelet-preferred-address-types=InternalIP,Hostname',
      // Run and slot namespaces carry their pods' placement as annotations these two read (packages/kube placement.ts).
      // NodeRestriction: a kubelet may change only its own Node and the pods bound to it.
      '--enable-admission-plugins=PodNodeSelector,PodTolerationRestriction,NodeRestriction',
      // The one identity the real node's kubelet accepts (kubelet-client.ts).
      ...(kubeletClient ? [`--kubelet-client-certificate=${kubeletClient.cert}`, `--kubelet-client-key=${kubeletClient.key}`] : []),
    ], { logFile: log('kube-apiserver') });
    started.push(apiserver);
    const caFile = join(dir, 'pki', 'apiserver.crt');
    const server = `https://127.0.0.1:${ap}`;
    await waitReady('kube-apiserver', async () => {
      if (!existsSync(caFile)) return false;
      return (await httpsGet(`${server}/readyz`, { ca: readFileSync(caFile, 'utf8'), token })).status === 200;
    }, { timeoutMs: 90_000, pid: apiserver, logFile: log('kube-apiserver') });

    const kubeconfig = join(dir, 'admin.kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml({ server, caPem: readFileSync(caFile, 'utf8'), token }), { mode: 0o600 });

    const controllerManager = spawnDetached(opts.bins.kubeControllerManager, [
      `--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0',
      `--service-account-private-key-file=${join(dir, 'sa.key')}`, `--root-ca-file=${caFile}`,
      '--use-service-account-credentials=false', '--kube-api-qps=100', '--kube-api-burst=200',
      '--concurrent-namespace-syncs=4', '--v=1',
    ], { logFile: log('kube-controller-manager') });
    started.push(controllerManager);
    const scheduler = spawnDetached(opts.bins.kubeScheduler, [
      `--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0', '--v=1',
    ], { logFile: log('kube-scheduler') });
    started.push(scheduler);
    const kwok = spawnDetached(opts.bins.kwok, [
      // Only the nodes created as kwok's own (annotation kwok.x-k8s.io/node=fake, see ensureNodes): a real node
      // registered beside them must never be adopted and have its pods faked (docs/adr/0006).
      `--kubeconfig=${kubeconfig}`, '--manage-all-nodes=false', '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake', `--config=${join(dir, 'kwok.yaml')}`,
      '--node-lease-duration-seconds=40', '--cidr=10.244.0.1/16', '--node-ip=127.0.0.1',
      `--server-address=127.0.0.1:${kp}`, `--node-port=${kp}`,
    ], { logFile: log('kwok') });
    started.push(kwok);

    await ensureNodes(kubeconfig, opts.nodes ?? 2);
    await waitForDefaultServiceAccount(kubeconfig, 'default', controllerManager, log('kube-controller-manager'));
    return { pids: { etcd, apiserver, controllerManager, scheduler, kwok }, apiserverPort: ap, kubeconfig, dir };
  }
}

async function ensureNodes(kubeconfig: string, count: number): Promise<void> {
  const kc = loadKubeConfig(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  for (let i = 1; i <= count; i++) {
    const name = `kwok-node-${i}`;
    await core
      .createNode({
        body: {
          metadata: {
            name,
            labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', type: 'kwok' },
            annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          },
          spec: { providerID: `kwok://${name}` },
          status: {
            allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
            capacity: { cpu: '32', memory: '256Gi', pods: '110' },
            addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
          },
        },
      })
      .catch((err: { code?: number }) => {
        if (err.code !== 409) throw err;
      });
  }
  await waitReady('kwok nodes', async () => {
    const nodes = await core.listNode();
    const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length >= count;
  }, { timeoutMs: 60_000 });
  // Status is dropped on create; set InternalIP=127.0.0.1 so `kubectl logs/exec` never dial off loopback.
  for (let i = 1; i <= count; i++) {
    await waitReady(`InternalIP of kwok-node-${i}`, async () => {
      const node = await core.readNodeStatus({ name: `kwok-node-${i}` });
      const ips = node.status?.addresses ?? [];
      if (ips.some((a) => a.type === 'InternalIP' && a.address === '127.0.0.1')) return true;
      node.status = { ...node.status, addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: `kwok-node-${i}` }] };
      await core.replaceNodeStatus({ name: `kwok-node-${i}`, body: node });
      return false;
    }, { timeoutMs: 30_000 });
  }
}

/** New namespaces need their `default` ServiceAccount before pods can be created there. */
export async function waitForDefaultServiceAccount(kubeconfig: string, namespace: string, pid?: number, logFile?: string): Promise<void> {
  const kc = loadKubeConfig(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  await waitReady(`default ServiceAccount in ${namespace}`, async () => {
    await core.readNamespacedServiceAccount({ name: 'default', namespace });
    return true;
  }, { timeoutMs: 60_000, ...(pid ? { pid } : {}), ...(logFile ? { logFile } : {}) });
  await sleep(0);
}

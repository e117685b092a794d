import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from '@codex-k8s/kube';
import { ensureDebianPackages } from './debian.js';
import { AGENT_GATEWAY_PORTS, cniConfig, containerdConfig, corefile, freeSubnetOctet, kubeletConfig, nodeNameOf, nodeNetwork, podFirewall, POD_EGRESS, proxyAddress, REAL_NODE_LABEL, UPLINK, type NodeNetwork } from './node-config.js';
import { COREDNS_USER, INGRESS_PROXY_USER, tokenOf } from './kube.js';
import { startProxy, stopProxy, type ProxyHandle } from './ingress/start.js';
import { clusterCaPem, kubeconfigYaml } from './kubeconfig.js';
import { kubeletClientFiles } from './kubelet-client.js';
import { cgroupsLeft, cleanHost, createCgroupRoot, killCgroupProcesses, mountsUnder, otherNodesRunning, recordHostSettings, removeCgroupRoot, removeLogLinks, tryRun } from './node-host.js';
import { buildImage, importImage } from './images/build.js';
import { PAUSE_RECIPE } from './images/recipes.js';
import { acceptsTcp, freePort, isAlive, killGroup, sleep, spawnDetached, stopProcess, waitReady } from './proc.js';

export { PAUSE_IMAGE, REAL_NODE_LABEL, REAL_NODE_TAINT, realNodeEnv } from './node-config.js';

// A real node beside the kwok nodes (docs/adr/0006): containerd, kube-proxy and the pods in a network namespace of
// the stack's own (so their bridge, routes and iptables rules are the stack's alone), a kubelet and CoreDNS on the
// host end of the link to it, a cgroup root of its own, registered with a taint so only workloads that ask land here.

/** What the stack records of its real node: enough for `down` to take all of it away again. */
export interface NodeHandle {
  readonly name: string;
  readonly dir: string;
  /** The node's network namespace (`/run/netns/<netns>`) and its addresses. */
  readonly netns: string;
  readonly network: NodeNetwork;
  readonly cgroupRoot: string;
  readonly socket: string;
  readonly pids: Readonly<Record<'containerd' | 'kubelet' | 'kubeProxy' | 'coredns' | 'apiRelay' | 'apiRelayInNode', number>>;
  /** The TLS proxy in front of the node's Ingresses (set once it started). */
  readonly proxy?: ProxyHandle;
  /** The host ports the pod firewall opens for agent-gateway (absent: a node started before it did). */
  readonly agentGatewayPorts?: { readonly first: number; readonly last: number };
  /** The command lines of containerd and the kubelet, and the kubelet's health port: what a restart after a crash needs. */
  readonly daemons?: { readonly containerd: readonly string[]; readonly kubelet: readonly string[]; readonly kubeletHealthz: number };
}

/** The node daemons a crash test kills and starts again. */
export type NodeDaemon = 'containerd' | 'kubelet';

export interface NodeBinaries {
  readonly kubelet: string;
  readonly kubeProxy: string;
  readonly coredns: string;
}

export const NODE_PACKAGES = ['containerd', 'runc', 'containernetworking-plugins', 'iptables', 'nftables', 'socat'] as const;

const run = (cmd: string, args: readonly string[], input?: string): string =>
  execFileSync(cmd, [...args], { encoding: 'utf8', input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });

/** Runs a command inside the node's network namespace only (not `ip netns exec`: that remounts /sys, hiding cgroups). */
const inNode = (netns: string, cmd: string, args: readonly string[]): [string, string[]] => ['nsenter', [`--net=/run/netns/${netns}`, cmd, ...args]];

/** The namespace, the veth pair linking it to the host, routes both ways, forwarding inside it, and the pod firewall. */
function createNetwork(netns: string, net: NodeNetwork): void {
  // A namespace of this name is a leftover of a crashed stack: replaced (its veth goes with it).
  tryRun('ip', ['netns', 'del', netns]);
  run('ip', ['netns', 'add', netns]);
  run('ip', ['link', 'add', net.hostLink, 'type', 'veth', 'peer', 'name', UPLINK, 'netns', netns]);
  run('ip', ['addr', 'add', `${net.hostAddress}/${net.linkPrefix}`, 'dev', net.hostLink]);
  run('ip', ['link', 'set', net.hostLink, 'up']);
  const ipn = (...args: string[]): string => run('ip', ['-n', netns, ...args]);
  ipn('link', 'set', 'lo', 'up');
  ipn('addr', 'add', `${net.nodeAddress}/${net.linkPrefix}`, 'dev', UPLINK);
  ipn('link', 'set', UPLINK, 'up');
  ipn('route', 'add', 'default', 'via', net.hostAddress);
  run('ip', ['route', 'add', net.podSubnet, 'via', net.nodeAddress]);
  // Forwarding is a per-namespace setting: the host's own stays as it was.
  run(...inNode(netns, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']));
  run(...inNode(netns, 'nft', ['-f', '-']), podFirewall(net, POD_EGRESS));
}

/**
 * A kubeconfig per node identity (the kubelet as its Node, kube-proxy, CoreDNS) from the tokens the apiserver was
 * started with, and CoreDNS's read-only role bound to its user. Never the admin token.
 */
async function nodeKubeconfigs(admin: string, dir: string, nodeName: string): Promise<Record<'kubelet' | 'kubeProxy' | 'coredns' | 'ingressProxy', string>> {
  const kc = loadKubeConfig(admin);
  const cluster = kc.getCurrentCluster();
  const caPem = clusterCaPem(cluster);
  const kubeDir = dirname(admin);
  const out = { kubelet: `system:node:${nodeName}`, kubeProxy: 'system:kube-proxy', coredns: COREDNS_USER, ingressProxy: INGRESS_PROXY_USER };
  const files = {} as Record<keyof typeof out, string>;
  for (const [k, user] of Object.entries(out) as [keyof typeof out, string][]) {
    files[k] = join(dir, `${k}.kubeconfig`);
    writeFileSync(files[k], kubeconfigYaml({ server: cluster?.server ?? '', caPem, token: tokenOf(kubeDir, user), user }), { mode: 0o600 });
  }
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const exists = (err: { code?: number }): void => {
    if (err.code !== 409) throw err;
  };
  const roles: [string, { apiGroups: string[]; resources: string[]; verbs: string[] }[]][] = [
    [COREDNS_USER, [
      { apiGroups: [''], resources: ['services', 'endpoints', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    ]],
    // The TLS proxy reads routes and the certificates cert-manager wrote (the Secrets its Ingresses name).
    [INGRESS_PROXY_USER, [
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['list'] },
      { apiGroups: [''], resources: ['services'], verbs: ['list'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
    ]],
  ];
  for (const [user, rules] of roles) {
    await rbac.createClusterRole({ body: { metadata: { name: user }, rules } }).catch(exists);
    await rbac.createClusterRoleBinding({ body: { metadata: { name: user }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: user }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }] } }).catch(exists);
  }
  return files;
}

/**
 * Starts the stack's real node: the Debian packages it needs (installed when missing), a network namespace with a
 * /24 of its own, its cgroup root in every hierarchy, containerd with the pause image, a kubelet registered with the
 * stack's apiserver under REAL_NODE_TAINT, kube-proxy for Services and CoreDNS for their names. Resolves once the
 * node is Ready and DNS answers. Root only.
 * @throws Error naming what is missing or what failed; what was started is stopped again.
 */
export async function startNode(opts: { stackName: string; stateDir: string; kubeconfig: string; bins: NodeBinaries; log: (l: string) => void }): Promise<NodeHandle> {
  if (process.getuid?.() !== 0) throw new Error('the real node needs root (containerd, the kubelet, network namespaces and cgroups); run the stack as root or leave out `node`');
  ensureDebianPackages(NODE_PACKAGES, opts.log);
  const dir = join(opts.stateDir, 'node');
  const used = run('ip', ['-o', '-4', 'addr', 'show']).split('\n').map((l) => l.split(/\s+/)[3] ?? '');
  const net = nodeNetwork(freeSubnetOctet(used));
  const name = nodeNameOf(opts.stackName);
  const netns = `codex-${opts.stackName}`.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 63);
  const cgroupRoot = `/codex-${opts.stackName}`;
  const socket = join(dir, 'containerd', 'containerd.sock');
  for (const d of ['containerd', 'cni/net.d', 'cni/ipam', 'kubelet/root', 'kubelet/logs', 'kubelet/pki', 'dns']) mkdirSync(join(dir, d), { recursive: true });
  const pids = { containerd: 0, kubelet: 0, kubeProxy: 0, coredns: 0, apiRelay: 0, apiRelayInNode: 0 };
  const handle: { -readonly [K in keyof NodeHandle]: NodeHandle[K] } = { name, dir, netns, network: net, cgroupRoot, socket, pids, agentGatewayPorts: AGENT_GATEWAY_PORTS };
  const log = (n: string): string => join(dir, `${n}.log`);
  try {
    recordHostSettings();
    createCgroupRoot(cgroupRoot);
    createNetwork(netns, net);
    // Addresses handed out before a restart belong to sandboxes that are gone (the namespace was deleted with them).
    rmSync(join(dir, 'cni', 'ipam'), { recursive: true, force: true });
    mkdirSync(join(dir, 'cni', 'ipam'), { recursive: true });
    writeFileSync(join(dir, 'cni', 'net.d', '10-codex.conflist'), cniConfig(`codex-${opts.stackName}`, net, dir));
    writeFileSync(join(dir, 'containerd', 'config.toml'), containerdConfig(dir, socket, net));
    const [ctrCmd, ctrArgs] = inNode(netns, 'containerd', ['--config', join(dir, 'containerd', 'config.toml')]);
    pids.containerd = spawnDetached(ctrCmd, ctrArgs, { logFile: log('containerd') });
    writeFileSync(join(dir, 'containerd.pid'), String(pids.containerd));
    await waitReady('containerd', async () => containerdAnswers(socket), { timeoutMs: 30_000, pid: pids.containerd, logFile: log('containerd') });
    importImage(socket, buildImage(PAUSE_RECIPE));

    const identities = await nodeKubeconfigs(opts.kubeconfig, dir, name);
    const [port, healthzPort] = [await freePort(), await freePort()];
    const clientCaFile = kubeletClientFiles(join(dirname(opts.kubeconfig), 'pki')).ca;
    if (!existsSync(clientCaFile)) throw new Error(`${clientCaFile} is missing: the stack's apiserver predates the kubelet client identity; run npm run stack -- down, then up`);
    writeFileSync(join(dir, 'kubelet', 'config.json'), kubeletConfig({ dir, socket, cgroupRoot, net, port, healthzPort, clientCaFile }));
    const kubeletArgs = [
      `--config=${join(dir, 'kubelet', 'config.json')}`, `--kubeconfig=${identities.kubelet}`, `--root-dir=${join(dir, 'kubelet', 'root')}`,
      `--cert-dir=${join(dir, 'kubelet', 'pki')}`, `--hostname-override=${name}`, `--node-ip=${net.hostAddress}`, `--node-labels=${REAL_NODE_LABEL}`, '--v=1',
    ];
    pids.kubelet = spawnDetached(opts.bins.kubelet, kubeletArgs, { logFile: log('kubelet') });
    handle.daemons = { containerd: [ctrCmd, ...ctrArgs], kubelet: [opts.bins.kubelet, ...kubeletArgs], kubeletHealthz: healthzPort };

    // kube-proxy lives in the node's namespace (its rules must see the pods' traffic), where 127.0.0.1 is not the
    // host's: the apiserver is carried to the same address and port there through a socket file only root can open.
    const kc = loadKubeConfig(opts.kubeconfig);
    const api = new URL(kc.getCurrentCluster()?.server ?? '');
    const relay = join(dir, 'apiserver.sock');
    pids.apiRelay = spawnDetached('socat', [`UNIX-LISTEN:${relay},fork,unlink-early,mode=600`, `TCP:127.0.0.1:${api.port}`], { logFile: log('api-relay') });
    pids.apiRelayInNode = spawnDetached(...inNode(netns, 'socat', [`TCP-LISTEN:${api.port},bind=127.0.0.1,fork,reuseaddr`, `UNIX-CONNECT:${relay}`]), { logFile: log('api-relay-node') });
    pids.kubeProxy = spawnDetached(...inNode(netns, opts.bins.kubeProxy, [
      `--kubeconfig=${identities.kubeProxy}`, `--hostname-override=${name}`, `--cluster-cidr=${net.podSubnet}`, '--proxy-mode=iptables',
      // Leave the kernel's conntrack and localnet settings alone (some are global, not per namespace).
      '--conntrack-max-per-core=0', '--conntrack-tcp-timeout-established=0', '--conntrack-tcp-timeout-close-wait=0', '--iptables-localhost-nodeports=false',
      '--metrics-bind-address=127.0.0.1:10249', '--healthz-bind-address=127.0.0.1:10256', '--v=1',
    ]), { logFile: log('kube-proxy') });

    writeFileSync(join(dir, 'dns', 'Corefile'), corefile(net, identities.coredns, kc.getCurrentContext()));
    pids.coredns = spawnDetached(opts.bins.coredns, ['-conf', join(dir, 'dns', 'Corefile')], { logFile: log('coredns') });

    const core = kc.makeApiClient(CoreV1Api);
    await waitReady(`node ${name}`, async () => {
      const node = await core.readNode({ name }).catch(() => undefined);
      return Boolean(node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }, { timeoutMs: 60_000, pid: pids.kubelet, logFile: log('kubelet') });
    await waitReady('cluster DNS', () => acceptsTcp(net.hostAddress, 53), { timeoutMs: 30_000, pid: pids.coredns, logFile: log('coredns') });
    if (!isAlive(pids.kubeProxy)) throw new Error(`kube-proxy exited; see ${log('kube-proxy')}`);
    handle.proxy = await startProxy({ dir: join(dir, 'proxy'), address: proxyAddress(net), kubeconfig: identities.ingressProxy });
    opts.log(`real node ${name} Ready (namespace ${netns}, pods ${net.podSubnet}, DNS ${net.hostAddress}, cgroup ${cgroupRoot})`);
    return handle;
  } catch (err) {
    // Pods bound to the node (kept by a plain `down`) stay: a failed start must not delete a slot's or a run's pods.
    await stopNode(handle, opts.kubeconfig, { keepPods: true });
    throw err;
  }
}

const containerdAnswers = (socket: string): boolean => tryRun('ctr', ['-a', socket, 'version']);

async function kubeletHealthy(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
}

/**
 * A crash of one node daemon and its restart, as a supervisor would do it: SIGKILL (no shutdown of any kind; the
 * containers' shims outlive containerd, the pods outlive the kubelet), `downMs` with nothing running, then the same
 * command line again. Resolves with the new pid once the daemon answers (containerd its API, the kubelet /healthz);
 * the caller records it in the stack's state.
 * @throws Error when the node was started without its command lines recorded, or the daemon does not come back.
 */
export async function crashAndRestart(h: NodeHandle, which: NodeDaemon, downMs: number): Promise<number> {
  if (!h.daemons) throw new Error('this node was started before crash restarts were recorded; restart the stack');
  await stopProcess(h.pids[which], 0, 'SIGKILL');
  await sleep(downMs);
  const [cmd = '', ...args] = h.daemons[which];
  const logFile = join(h.dir, `${which}.log`);
  const pid = spawnDetached(cmd, args, { logFile });
  if (which === 'containerd') writeFileSync(join(h.dir, 'containerd.pid'), String(pid));
  const healthz = h.daemons.kubeletHealthz;
  try {
    await waitReady(which, async () => (which === 'containerd' ? containerdAnswers(h.socket) : kubeletHealthy(healthz)), { timeoutMs: 60_000, pid, logFile });
  } catch (err) {
    // Not recorded anywhere yet: a daemon that did not come back must not outlive this call.
    await stopProcess(pid, 5_000);
    throw err;
  }
  return pid;
}

/**
 * Deletes every pod bound to the node and waits (up to 30 s) until the kubelet has torn their sandboxes down, so
 * their CNI teardown runs and their IPAM entries are released.
 */
async function drain(h: NodeHandle, kubeconfig: string): Promise<void> {
  const kc = loadKubeConfig(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const pods = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${h.name}` }).catch(() => undefined);
  if (!pods) return;
  await Promise.all(pods.items.map((p) => core.deleteNamespacedPod({ name: p.metadata?.name ?? '', namespace: p.metadata?.namespace ?? '', gracePeriodSeconds: 0 }).catch(() => undefined)));
  const deadline = Date.now() + 30_000;
  const sandboxes = (): number => (spawnSync('ctr', ['-a', h.socket, '-n', 'k8s.io', 'tasks', 'ls', '-q'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean).length;
  while (isAlive(h.pids.kubelet) && sandboxes() > 0 && Date.now() < deadline) await sleep(250);
}

/** Kills and removes whatever containers the node's containerd still has (the kubelet is gone by now). */
async function removeContainers(socket: string): Promise<void> {
  const ctr = (...args: string[]): string[] => (spawnSync('ctr', ['-a', socket, '-n', 'k8s.io', ...args], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean);
  for (const id of ctr('tasks', 'ls', '-q')) ctr('tasks', 'kill', '-s', 'SIGKILL', id);
  await sleep(500);
  for (const id of ctr('tasks', 'ls', '-q')) ctr('tasks', 'delete', '-f', id);
  for (const id of ctr('containers', 'ls', '-q')) ctr('containers', 'delete', id);
}

/**
 * Takes the real node away and leaves the host as it was. With `keepPods` (a `down` that keeps the stack's data)
 * the pods stay bound to the node, like a node that reboots: the next start's kubelet starts them again with their
 * emptyDir volumes. Otherwise its pods are deleted and their sandboxes torn down by the
 * kubelet (with the stack's kubeconfig, while the apiserver still runs). Then what is left is killed and removed, its
 * processes stopped, its mounts unmounted, its network namespace deleted (with the bridge, the link, the routes and
 * every rule kube-proxy and the firewall made in it) and its cgroups removed; when it was the last node on the
 * machine, also the host-wide leftovers (kubelet iptables chains, runc and netns state, CNI cache) and the kernel
 * settings recorded before the first node started.
 */
export async function stopNode(h: NodeHandle, kubeconfig?: string, opts: { keepPods?: boolean } = {}): Promise<void> {
  if (h.proxy) await stopProxy(h.proxy);
  if (!opts.keepPods && kubeconfig && isAlive(h.pids.kubelet) && isAlive(h.pids.containerd)) await drain(h, kubeconfig);
  await Promise.all([h.pids.kubelet, h.pids.kubeProxy, h.pids.coredns, h.pids.apiRelayInNode, h.pids.apiRelay].map((p) => stopProcess(p)));
  // socat's forked children (one per relayed connection) are in their leader's group.
  for (const p of [h.pids.apiRelayInNode, h.pids.apiRelay]) killGroup(p);
  if (isAlive(h.pids.containerd)) await removeContainers(h.socket);
  await stopProcess(h.pids.containerd);
  // Containers whose containerd died before it could remove them (a crash without restart), then their shims.
  if (killCgroupProcesses(h.cgroupRoot) > 0) await sleep(500);
  for (const pid of shimsOf(h.socket)) await stopProcess(pid, 2_000, 'SIGKILL');
  for (const m of mountsUnder(h.dir)) tryRun('umount', ['-l', m]);
  removeLogLinks(h.dir);
  tryRun('ip', ['netns', 'del', h.netns]);
  tryRun('ip', ['link', 'del', h.network.hostLink]);
  removeCgroupRoot(h.cgroupRoot);
  if (!otherNodesRunning(h.dir) && spawnSync('pgrep', ['-x', 'containerd']).status !== 0) cleanHost();
}

/** Container shims serving this node's containerd (they name its socket): each holds containers of the node. */
function shimsOf(socket: string): number[] {
  return (spawnSync('pgrep', ['-f', '--', `-address ${socket}`], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean).map(Number);
}

/** What `down` must find gone; empty when the host is clean of this node. */
export function nodeLeftovers(h: Pick<NodeHandle, 'dir' | 'netns' | 'network' | 'cgroupRoot' | 'pids' | 'proxy' | 'socket'>): string[] {
  const left: string[] = [];
  for (const m of mountsUnder(h.dir)) left.push(`mount ${m}`);
  if (existsSync(`/run/netns/${h.netns}`)) left.push(`network namespace ${h.netns}`);
  if (existsSync(`/sys/class/net/${h.network.hostLink}`)) left.push(`link ${h.network.hostLink}`);
  for (const c of cgroupsLeft(h.cgroupRoot)) left.push(`cgroup ${c}`);
  for (const [k, pid] of Object.entries({ ...h.pids, ...(h.proxy ? { nginx: h.proxy.pids.nginx, proxySync: h.proxy.pids.sync } : {}) })) if (isAlive(pid)) left.push(`process ${k} (${pid})`);
  for (const pid of shimsOf(h.socket)) left.push(`container shim (${pid})`);
  return left;
}

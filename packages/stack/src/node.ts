import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from '@codex-k8s/kube';
import { ensureDebianPackages } from './debian.js';
import { writeOciArchive } from './oci.js';
import { cacheDir } from './paths.js';
import { freePort, isAlive, sleep, spawnDetached, stopProcess, waitReady } from './proc.js';

// A real node beside the kwok nodes (docs/adr/0006): containerd and a kubelet of the stack's own, on a bridge and a
// /24 of its own, under a cgroup root of its own, registered with a taint so only workloads that ask for it land here.

/** What the stack records of its real node: enough for `down` to take all of it away again. */
export interface NodeHandle {
  readonly name: string;
  readonly dir: string;
  /** The stack's bridge and its gateway address: the node's InternalIP and the kubelet's listen address. */
  readonly bridge: string;
  readonly address: string;
  readonly subnet: string;
  readonly cgroupRoot: string;
  readonly socket: string;
  readonly pids: { readonly containerd: number; readonly kubelet: number };
}

/** The taint every real node registers with; workloads meant to run for real tolerate it and select the node. */
export const REAL_NODE_TAINT = 'codex-k8s.dev/real-node';
/** The sandbox image, built from Debian's static catatonit and imported; nothing is ever pulled. */
export const PAUSE_IMAGE = 'codex.local/pause:3.10';
export const NODE_PACKAGES = ['containerd', 'runc', 'containernetworking-plugins', 'iptables', 'catatonit'] as const;

/** Kernel settings the kubelet, kube-proxy and the bridge plugin change; put back when the last node stops. */
const HOST_SETTINGS = ['kernel/panic', 'kernel/panic_on_oops', 'vm/overcommit_memory', 'net/ipv4/conf/all/route_localnet', 'net/ipv4/ip_forward'] as const;
const SUBNET_PREFIX = '10.88';
const CNI_BIN = '/usr/lib/cni';

const run = (cmd: string, args: readonly string[]): string => execFileSync(cmd, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const tryRun = (cmd: string, args: readonly string[]): boolean => spawnSync(cmd, [...args], { stdio: 'ignore' }).status === 0;

/** The first /24 of 10.88.0.0/16 no interface on this machine uses (each stack's node gets its own). Pure over `used`. */
export function freeSubnetOctet(used: readonly string[]): number {
  for (let i = 1; i < 255; i++) if (!used.some((a) => a.startsWith(`${SUBNET_PREFIX}.${i}.`))) return i;
  throw new Error(`no free /24 left in ${SUBNET_PREFIX}.0.0/16 for another stack node`);
}

/**
 * The v1 hierarchies (every one needs the node's cgroup root, the named `systemd` one included), or [] on v2.
 * `unified` (the v2 part of a hybrid setup) is left to the kubelet to create, but removed like the others.
 */
function cgroupHierarchies(opts: { unified: boolean } = { unified: false }): string[] {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return [];
  return readdirSync('/sys/fs/cgroup', { withFileTypes: true })
    .filter((d) => d.isDirectory() && (opts.unified || d.name !== 'unified') && existsSync(join('/sys/fs/cgroup', d.name, 'cgroup.procs')))
    .map((d) => join('/sys/fs/cgroup', d.name));
}

function createCgroupRoot(root: string): void {
  const hierarchies = cgroupHierarchies();
  if (hierarchies.length === 0) {
    mkdirSync(join('/sys/fs/cgroup', root), { recursive: true });
    return;
  }
  for (const h of hierarchies) {
    const dir = join(h, root);
    mkdirSync(dir, { recursive: true });
    // A new v1 cpuset starts with no CPUs and no memory nodes: nothing could run in it.
    if (existsSync(join(h, 'cpuset.cpus'))) {
      for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join(dir, f), readFileSync(join(h, f)));
    }
  }
}

/** Removes a cgroup tree bottom-up (only empty cgroups can go; the kubelet made kubepods/... below the root). */
function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const d of readdirSync(dir, { withFileTypes: true })) if (d.isDirectory()) removeCgroupTree(join(dir, d.name));
  try {
    rmdirSync(dir);
  } catch {
    // still has a process (a shim that has not exited): reported by the caller's check
  }
}

function removeCgroupRoot(root: string): void {
  const hierarchies = cgroupHierarchies({ unified: true });
  for (const h of hierarchies.length ? hierarchies : ['/sys/fs/cgroup']) removeCgroupTree(join(h, root));
}

function baselineFile(): string {
  return join(cacheDir(), 'real-node-host-settings.json');
}

/** Records the kernel settings before the first node on this machine changes them. */
function recordHostSettings(): void {
  if (existsSync(baselineFile())) return;
  const values = Object.fromEntries(HOST_SETTINGS.map((k) => [k, readFileSync(join('/proc/sys', k), 'utf8').trim()]));
  writeFileSync(baselineFile(), JSON.stringify(values));
}

/** Puts the recorded kernel settings back (only when no node runs on this machine any more). */
function restoreHostSettings(): void {
  if (!existsSync(baselineFile())) return;
  const values = JSON.parse(readFileSync(baselineFile(), 'utf8')) as Record<string, string>;
  for (const [k, v] of Object.entries(values)) {
    try {
      writeFileSync(join('/proc/sys', k), v);
    } catch {
      // read-only in this container: nothing to restore
    }
  }
  rmSync(baselineFile());
}

function containerdConfig(dir: string, socket: string): string {
  return `version = 2
root = "${join(dir, 'containerd', 'root')}"
state = "${join(dir, 'containerd', 'state')}"
[grpc]
  address = "${socket}"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  # Root here lacks CAP_SYS_RESOURCE: without this every sandbox fails with "can't get final child's PID from pipe".
  restrict_oom_score_adj = true
  disable_tcp_service = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  tolerate_missing_hugetlb_controller = true
  disable_hugetlb_controller = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN}"
    conf_dir = "${join(dir, 'cni', 'net.d')}"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
`;
}

function cniConfig(name: string, bridge: string, octet: number, dir: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name,
    plugins: [
      {
        type: 'bridge',
        bridge,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: `${SUBNET_PREFIX}.${octet}.0/24`, gateway: `${SUBNET_PREFIX}.${octet}.1` }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(dir, 'cni', 'ipam') },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  });
}

function kubeletConfig(o: { dir: string; socket: string; cgroupRoot: string; address: string; port: number; healthzPort: number }): string {
  return JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // This machine's cgroups are v1, managed by nobody but us (no systemd).
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: o.cgroupRoot,
    cgroupsPerQOS: true,
    failSwapOn: false,
    containerRuntimeEndpoint: `unix://${o.socket}`,
    imageServiceEndpoint: `unix://${o.socket}`,
    // Reachable only on the stack's bridge address (never the machine's interface); the apiserver is its client.
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: 'AlwaysAllow' },
    address: o.address,
    port: o.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: o.healthzPort,
    podLogsDir: join(o.dir, 'kubelet', 'logs'),
    resolvConf: '/etc/resolv.conf',
    serializeImagePulls: false,
    // Images are imported, never pulled: nothing may collect them; eviction thresholds must be positive.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
    enforceNodeAllocatable: [],
    protectKernelDefaults: false,
    makeIPTablesUtilChains: false,
    registerWithTaints: [{ key: REAL_NODE_TAINT, value: 'true', effect: 'NoSchedule' }],
  });
}

/** The sandbox image from Debian's static catatonit (`-P`: pause), imported into the node's containerd. */
function importPauseImage(dir: string, socket: string): void {
  const rootfs = join(dir, 'images', 'pause');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync('/usr/bin/catatonit', join(rootfs, 'bin', 'catatonit'));
  const archive = join(dir, 'images', 'pause.tar');
  writeOciArchive({ rootfs, ref: PAUSE_IMAGE, cmd: ['/bin/catatonit', '-P'] }, archive);
  run('ctr', ['-a', socket, '-n', 'k8s.io', 'images', 'import', archive]);
}

/**
 * Starts the stack's real node: the Debian packages it needs (installed when missing), a bridge and /24 of its own,
 * its cgroup root in every hierarchy, containerd with the pause image, and a kubelet registered with the stack's
 * apiserver under REAL_NODE_TAINT. Resolves once the node is Ready. Root only.
 * @throws Error naming what is missing or what failed; what was started is stopped again.
 */
export async function startNode(opts: { stackName: string; stateDir: string; kubeconfig: string; kubelet: string; log: (l: string) => void }): Promise<NodeHandle> {
  if (process.getuid?.() !== 0) throw new Error('the real node needs root (containerd, the kubelet, bridges and cgroups); run the stack as root or leave out `node`');
  ensureDebianPackages(NODE_PACKAGES, opts.log);
  const dir = join(opts.stateDir, 'node');
  const used = run('ip', ['-o', '-4', 'addr', 'show']).split('\n').map((l) => l.split(/\s+/)[3] ?? '');
  const octet = freeSubnetOctet(used);
  const bridge = `ck8sbr${octet}`;
  const address = `${SUBNET_PREFIX}.${octet}.1`;
  const name = `real-${opts.stackName}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
  const cgroupRoot = `/codex-${opts.stackName}`;
  const socket = join(dir, 'containerd', 'containerd.sock');
  for (const d of ['containerd', 'cni/net.d', 'cni/ipam', 'kubelet/root', 'kubelet/logs', 'kubelet/pki', 'images']) mkdirSync(join(dir, d), { recursive: true });
  const handle: { -readonly [K in keyof NodeHandle]: NodeHandle[K] } = { name, dir, bridge, address, subnet: `${SUBNET_PREFIX}.${octet}.0/24`, cgroupRoot, socket, pids: { containerd: 0, kubelet: 0 } };
  try {
    recordHostSettings();
    createCgroupRoot(cgroupRoot);
    // A bridge of that name without an address is a leftover of a crashed stack: replaced.
    tryRun('ip', ['link', 'del', bridge]);
    run('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']);
    run('ip', ['addr', 'add', `${address}/24`, 'dev', bridge]);
    run('ip', ['link', 'set', bridge, 'up']);
    writeFileSync(join(dir, 'cni', 'net.d', '10-codex.conflist'), cniConfig(`codex-${opts.stackName}`, bridge, octet, dir));
    writeFileSync(join(dir, 'containerd', 'config.toml'), containerdConfig(dir, socket));
    const containerd = spawnDetached('containerd', ['--config', join(dir, 'containerd', 'config.toml')], { logFile: join(dir, 'containerd.log') });
    writeFileSync(join(dir, 'containerd.pid'), String(containerd));
    handle.pids = { containerd, kubelet: 0 };
    await waitReady('containerd', async () => tryRun('ctr', ['-a', socket, 'version']), { timeoutMs: 30_000, pid: containerd, logFile: join(dir, 'containerd.log') });
    importPauseImage(dir, socket);
    const [port, healthzPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'kubelet', 'config.json'), kubeletConfig({ dir, socket, cgroupRoot, address, port, healthzPort }));
    const kubelet = spawnDetached(opts.kubelet, [
      `--config=${join(dir, 'kubelet', 'config.json')}`, `--kubeconfig=${opts.kubeconfig}`, `--root-dir=${join(dir, 'kubelet', 'root')}`,
      `--cert-dir=${join(dir, 'kubelet', 'pki')}`, `--hostname-override=${name}`, `--node-ip=${address}`, '--node-labels=codex-k8s.dev/node=real', '--v=1',
    ], { logFile: join(dir, 'kubelet.log') });
    handle.pids = { containerd, kubelet };
    const kc = loadKubeConfig(opts.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    await waitReady(`node ${name}`, async () => {
      const node = await core.readNode({ name }).catch(() => undefined);
      return Boolean(node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }, { timeoutMs: 60_000, pid: kubelet, logFile: join(dir, 'kubelet.log') });
    opts.log(`real node ${name} Ready (bridge ${bridge} ${handle.subnet}, cgroup ${cgroupRoot})`);
    return handle;
  } catch (err) {
    await stopNode(handle, opts.kubeconfig);
    throw err;
  }
}

/**
 * Deletes every pod bound to the node and waits (up to 30 s) until the kubelet has torn their sandboxes down: that
 * is what runs the CNI DEL that removes their veths, addresses and NAT chains.
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

/** Every mount point at or below `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Whether another stack's real node still runs on this machine (its containerd is alive). */
function otherNodesRunning(self: string): boolean {
  const stacks = join(cacheDir(), 'stacks');
  if (!existsSync(stacks)) return false;
  return readdirSync(stacks).some((s) => {
    const f = join(stacks, s, 'node', 'containerd.pid');
    if (!existsSync(f) || join(stacks, s, 'node') === self) return false;
    return isAlive(Number(readFileSync(f, 'utf8')));
  });
}

/** The kubelet's chains in an `iptables-save` dump: each chain's table, and each rule jumping to one. Pure. */
export function kubeletChains(saved: string): { chains: [string, string][]; jumps: [string, string][] } {
  const chains: [string, string][] = [];
  const jumps: [string, string][] = [];
  let table = '';
  for (const line of saved.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    const chain = /^:(KUBE-FIREWALL|KUBE-KUBELET-CANARY) /.exec(line)?.[1];
    if (chain) chains.push([table, chain]);
    if (/^-A \S+ .*-j (KUBE-FIREWALL|KUBE-KUBELET-CANARY)$/.test(line)) jumps.push([table, line.slice(3)]);
  }
  return { chains, jumps };
}

/** Removes the chains the kubelet adds to the host's iptables (KUBE-FIREWALL and the canaries) with their jumps. */
function removeKubeChains(): void {
  for (const tool of ['iptables', 'ip6tables']) {
    const { chains, jumps } = kubeletChains(spawnSync(`${tool}-save`, [], { encoding: 'utf8' }).stdout ?? '');
    for (const [table, rule] of jumps) tryRun(tool, ['-t', table, '-D', ...rule.split(' ')]);
    for (const [table, chain] of chains) if (tryRun(tool, ['-t', table, '-F', chain])) tryRun(tool, ['-t', table, '-X', chain]);
  }
}

/** Kills and removes whatever containers the node's containerd still has (the kubelet is gone by now). */
async function removeContainers(socket: string): Promise<void> {
  const ctr = (...args: string[]): string[] => (spawnSync('ctr', ['-a', socket, '-n', 'k8s.io', ...args], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean);
  for (const id of ctr('tasks', 'ls', '-q')) ctr('tasks', 'kill', '-s', 'SIGKILL', id);
  await sleep(500);
  for (const id of ctr('tasks', 'ls', '-q')) ctr('tasks', 'delete', '-f', id);
  for (const id of ctr('containers', 'ls', '-q')) ctr('containers', 'delete', id);
}

/** The kubelet's links in /var/log/containers (a fixed path) that lead into this node's pod logs. */
function removeLogLinks(dir: string): void {
  const links = '/var/log/containers';
  if (!existsSync(links)) return;
  for (const l of readdirSync(links)) {
    const target = lstatSync(join(links, l)).isSymbolicLink() ? readlinkSync(join(links, l)) : '';
    if (target.startsWith(`${dir}/`)) rmSync(join(links, l), { force: true });
  }
}

/** The host-wide leftovers of real nodes, removed when the last one on this machine stops; kernel settings restored. */
function cleanHost(): void {
  removeKubeChains();
  for (const p of ['/run/containerd/s', '/run/containerd/runc/k8s.io', '/var/lib/cni/results', '/var/lib/kubelet/device-plugins']) rmSync(p, { recursive: true, force: true });
  // Their parents too, when nothing else is in them (no other containerd or kubelet on this machine uses them).
  for (const d of ['/run/containerd/runc', '/run/containerd', '/var/lib/cni', '/var/lib/kubelet', '/var/log/containers']) if (existsSync(d) && readdirSync(d).length === 0) rmdirSync(d);
  for (const ns of existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith('cni-')) : []) {
    tryRun('umount', [join('/run/netns', ns)]);
    rmSync(join('/run/netns', ns), { force: true });
  }
  restoreHostSettings();
}

/**
 * Takes the real node away and leaves the host as it was: its pods deleted and their sandboxes torn down by the
 * kubelet (with the stack's kubeconfig, while the apiserver still runs), what is left killed and removed,
 * kubelet and containerd stopped, its mounts unmounted, its bridge and cgroups removed; when it was the last node on
 * the machine, also the host-wide leftovers (kubelet iptables chains, runc and netns state, CNI cache) and the kernel
 * settings recorded before the first node started.
 */
export async function stopNode(h: NodeHandle, kubeconfig?: string): Promise<void> {
  if (kubeconfig && isAlive(h.pids.kubelet) && isAlive(h.pids.containerd)) await drain(h, kubeconfig);
  await stopProcess(h.pids.kubelet);
  if (isAlive(h.pids.containerd)) await removeContainers(h.socket);
  await stopProcess(h.pids.containerd);
  for (const m of mountsUnder(h.dir)) tryRun('umount', ['-l', m]);
  removeLogLinks(h.dir);
  tryRun('ip', ['link', 'del', h.bridge]);
  removeCgroupRoot(h.cgroupRoot);
  if (!otherNodesRunning(h.dir) && spawnSync('pgrep', ['-x', 'containerd']).status !== 0) cleanHost();
}

/** What `down` must find gone; empty when the host is clean of this node. */
export function nodeLeftovers(h: Pick<NodeHandle, 'dir' | 'bridge' | 'cgroupRoot'>): string[] {
  const left: string[] = [];
  for (const m of mountsUnder(h.dir)) left.push(`mount ${m}`);
  if (existsSync(`/sys/class/net/${h.bridge}`)) left.push(`bridge ${h.bridge}`);
  const hierarchies = cgroupHierarchies({ unified: true });
  for (const base of hierarchies.length ? hierarchies : ['/sys/fs/cgroup']) if (existsSync(join(base, h.cgroupRoot)) && statSync(join(base, h.cgroupRoot)).isDirectory()) left.push(`cgroup ${join(base, h.cgroupRoot)}`);
  return left;
}

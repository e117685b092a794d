import { join } from 'node:path';

// The real node's configuration files, as pure functions of the stack's choices (docs/adr/0006).

/** The taint every real node registers with; workloads meant to run for real tolerate it and select the node. */
export const REAL_NODE_TAINT = 'codex-k8s.dev/real-node';
/** The real node's name in a stack (a DNS label; it is also the kubelet's identity, `system:node:<name>`). */
export function nodeNameOf(stackName: string): string {
  return `real-${stackName}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63).replace(/-+$/, '');
}

/** The label every real node registers with (kwok nodes never carry it). */
export const REAL_NODE_LABEL = 'codex-k8s.dev/node=real';

/**
 * The namespace-provisioner settings for run and slot namespaces on the stack's real node: its label as the node
 * selector and a toleration of its taint (packages/kube placement.ts turns them into the namespace annotations
 * admission reads), and a small default CPU request, so that several slots fit the machine's two cores (with the
 * cluster default of 250m per container, two slots of the sample already reserve them all and the third waits).
 * Without these, pods land on kwok nodes as before.
 */
export function realNodeEnv(): Record<'CODEXK8S_WORKLOAD_NODE_SELECTOR' | 'CODEXK8S_WORKLOAD_TOLERATIONS' | 'CODEXK8S_WORKER_RUN_LIMIT_DEFAULT_REQUEST_CPU', string> {
  return {
    CODEXK8S_WORKLOAD_NODE_SELECTOR: REAL_NODE_LABEL,
    CODEXK8S_WORKLOAD_TOLERATIONS: JSON.stringify([{ key: REAL_NODE_TAINT, operator: 'Exists', effect: 'NoSchedule' }]),
    CODEXK8S_WORKER_RUN_LIMIT_DEFAULT_REQUEST_CPU: '25m',
  };
}

/** The sandbox image, built from Debian's static catatonit and imported; nothing is ever pulled. */
export const PAUSE_IMAGE = 'codex.local/pause:3.10';
/** The node's end of the link to the host, inside the node's network namespace. */
export const UPLINK = 'uplink';
/** The CNI bridge the pods' veths hang off, inside the node's network namespace. */
export const POD_BRIDGE = 'cni0';
export const CNI_BIN = '/usr/lib/cni';
const SUBNET_PREFIX = '10.88';

/**
 * One stack node's addresses, all inside 10.88.<octet>.0/24: pods in the lower /25 behind a bridge in the node's own
 * network namespace, and a /30 linking that namespace to the host. The host end is the node's InternalIP, the
 * kubelet's listen address and the cluster DNS address; nothing of it is on the machine's own interface.
 */
export interface NodeNetwork {
  readonly octet: number;
  readonly podSubnet: string;
  readonly podGateway: string;
  /** The host's end of the link (veth `ck8s<octet>`). */
  readonly hostAddress: string;
  readonly hostLink: string;
  /** The namespace's end of the link (veth `uplink`): containerd's streaming address. */
  readonly nodeAddress: string;
  readonly linkPrefix: number;
}

/** The loopback address of a node's TLS proxy (every stack its own, so each can listen on 443). */
export function proxyAddress(net: Pick<NodeNetwork, 'octet'>): string {
  return `127.88.${net.octet}.1`;
}

export function nodeNetwork(octet: number): NodeNetwork {
  const base = `${SUBNET_PREFIX}.${octet}`;
  return { octet, podSubnet: `${base}.0/25`, podGateway: `${base}.1`, hostAddress: `${base}.253`, hostLink: `ck8s${octet}`, nodeAddress: `${base}.254`, linkPrefix: 30 };
}

/** The first /24 of 10.88.0.0/16 no interface on this machine uses (each stack's node gets its own). Pure over `used`. */
export function freeSubnetOctet(used: readonly string[]): number {
  for (let i = 1; i < 255; i++) if (!used.some((a) => a.startsWith(`${SUBNET_PREFIX}.${i}.`))) return i;
  throw new Error(`no free /24 left in ${SUBNET_PREFIX}.0.0/16 for another stack node`);
}

/** A host port (or ports `port`..`lastPort`) pods may open connections to (everything else on the host, and beyond it, is closed to them). */
export interface PodEgress {
  readonly port: number;
  readonly lastPort?: number;
  readonly protocols: readonly ('tcp' | 'udp')[];
}

/**
 * The host ports agent-gateway listens on for the node's pods (on the host end of the link, so only this stack's
 * pods reach them): a range, so several gateways (replicas, parallel test platforms) can listen at once. Below
 * Linux's ephemeral range, so an outgoing connection never holds one.
 */
export const AGENT_GATEWAY_PORTS = { first: 28_080, last: 28_111 } as const;

/** What pods of the node may reach on the host: the cluster DNS and agent-gateway. */
export const POD_EGRESS: readonly PodEgress[] = [
  { port: 53, protocols: ['udp', 'tcp'] },
  { port: AGENT_GATEWAY_PORTS.first, lastPort: AGENT_GATEWAY_PORTS.last, protocols: ['tcp'] },
];

/**
 * nftables rules loaded into the node's namespace (a table of its own, so kube-proxy's rules never touch it): pods
 * may open connections to the host's link address on the listed ports only, to nothing else beyond the namespace,
 * and to nothing inside the namespace itself (containerd's streaming server, kube-proxy's ports). Replies to
 * connections the host opened are not new and pass; pod-to-pod traffic never leaves the bridge.
 */
export function podFirewall(net: NodeNetwork, egress: readonly PodEgress[]): string {
  // By the interface packets come in on, not their source address (a pod with NET_RAW can forge that).
  const allow = egress.map((e) => `    iifname "${POD_BRIDGE}" oifname "${UPLINK}" ip daddr ${net.hostAddress} meta l4proto { ${e.protocols.join(', ')} } th dport ${e.lastPort ? `${e.port}-${e.lastPort}` : e.port} accept`);
  return [
    'table inet codex_pods {',
    '  chain forward {',
    '    type filter hook forward priority -10; policy accept;',
    ...allow,
    `    iifname "${POD_BRIDGE}" oifname "${UPLINK}" ct state new drop`,
    '  }',
    '  chain input {',
    '    type filter hook input priority -10; policy accept;',
    `    iifname "${POD_BRIDGE}" ct state new drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}

export function containerdConfig(dir: string, socket: string, net: NodeNetwork): string {
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
  # The kubelet (on the host side of the link) proxies exec, attach and port-forward to this address.
  stream_server_address = "${net.nodeAddress}"
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

export function cniConfig(name: string, net: NodeNetwork, dir: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name,
    plugins: [
      {
        type: 'bridge',
        bridge: POD_BRIDGE,
        isGateway: true,
        // The host routes the pod /25 to the namespace; nothing needs hiding behind another address.
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: net.podSubnet, gateway: net.podGateway }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(dir, 'cni', 'ipam') },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  });
}

export function kubeletConfig(o: { dir: string; socket: string; cgroupRoot: string; net: NodeNetwork; port: number; healthzPort: number; clientCaFile: string }): string {
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
    // Listens only on the host's end of the stack's link (never the machine's interface) and pods may not open
    // connections to it (podFirewall). Its only client is the apiserver: the client CA signs the apiserver's
    // certificate and nothing else (kubelet-client.ts), so whoever authenticates is the apiserver, which has
    // authorized the request already; nobody anonymous gets in.
    authentication: { anonymous: { enabled: false }, webhook: { enabled: false }, x509: { clientCAFile: o.clientCaFile } },
    authorization: { mode: 'AlwaysAllow' },
    address: o.net.hostAddress,
    port: o.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: o.healthzPort,
    podLogsDir: join(o.dir, 'kubelet', 'logs'),
    resolvConf: '/etc/resolv.conf',
    clusterDNS: [o.net.hostAddress],
    clusterDomain: 'cluster.local',
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

/**
 * CoreDNS answers the cluster's names (Services, pods) on the host's link address and nothing else: no forwarding
 * to the machine's resolver, so no pod query ever leaves the machine.
 */
export function corefile(net: NodeNetwork, kubeconfig: string, context: string): string {
  return `cluster.local:53 in-addr.arpa:53 {
    bind ${net.hostAddress}
    errors
    kubernetes cluster.local in-addr.arpa {
        kubeconfig ${kubeconfig} ${context}
        pods insecure
    }
    cache 5
}
`;
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

/**
 * The iptables tables (as `nft -j list ruleset` shows them) that hold no rule and only chains that accept: what
 * iptables-nft leaves behind once the kubelet's chains are gone. Removing them changes no packet's fate. Pure.
 */
export function emptyIptablesTables(ruleset: string): [string, string][] {
  type Item = { table?: { family: string; name: string }; chain?: { family: string; table: string; policy?: string }; rule?: { family: string; table: string } };
  const items = (JSON.parse(ruleset) as { nftables?: Item[] }).nftables ?? [];
  const key = (f: string, t: string): string => `${f} ${t}`;
  const busy = new Set<string>();
  for (const i of items) {
    if (i.rule) busy.add(key(i.rule.family, i.rule.table));
    if (i.chain && i.chain.policy !== undefined && i.chain.policy !== 'accept') busy.add(key(i.chain.family, i.chain.table));
  }
  return items
    .flatMap((i) => (i.table ? [i.table] : []))
    .filter((t) => ['ip', 'ip6'].includes(t.family) && ['filter', 'nat', 'mangle', 'raw', 'security'].includes(t.name) && !busy.has(key(t.family, t.name)))
    .map((t) => [t.family, t.name]);
}

import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyIptablesTables, kubeletChains } from './node-config.js';
import { cacheDir } from './paths.js';
import { isAlive } from './proc.js';

// What a real node touches on the host outside its own directory, and how `down` puts it back (docs/adr/0006).

/** Kernel settings the kubelet changes (they are not per network namespace); put back when the last node stops. */
const HOST_SETTINGS = ['kernel/panic', 'kernel/panic_on_oops', 'vm/overcommit_memory'] as const;

export const tryRun = (cmd: string, args: readonly string[]): boolean => spawnSync(cmd, [...args], { stdio: 'ignore' }).status === 0;

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

export function createCgroupRoot(root: string): void {
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
    // still has a process (a shim that has not exited): reported by nodeLeftovers
  }
}

/**
 * SIGKILLs every process left in the cgroup tree (containers whose containerd died before it could stop them; their
 * shims are not in it) and returns how many it found.
 */
export function killCgroupProcesses(root: string): number {
  const hierarchies = cgroupHierarchies({ unified: true });
  let killed = 0;
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const d of readdirSync(dir, { withFileTypes: true })) if (d.isDirectory()) walk(join(dir, d.name));
    const procs = existsSync(join(dir, 'cgroup.procs')) ? readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean) : [];
    for (const pid of procs) {
      try {
        process.kill(Number(pid), 'SIGKILL');
        killed++;
      } catch {
        // gone meanwhile
      }
    }
  };
  for (const h of hierarchies.length ? hierarchies : ['/sys/fs/cgroup']) walk(join(h, root));
  return killed;
}

export function removeCgroupRoot(root: string): void {
  const hierarchies = cgroupHierarchies({ unified: true });
  for (const h of hierarchies.length ? hierarchies : ['/sys/fs/cgroup']) removeCgroupTree(join(h, root));
}

export function cgroupsLeft(root: string): string[] {
  const hierarchies = cgroupHierarchies({ unified: true });
  return (hierarchies.length ? hierarchies : ['/sys/fs/cgroup']).map((b) => join(b, root)).filter((d) => existsSync(d) && statSync(d).isDirectory());
}

function baselineFile(): string {
  return join(cacheDir(), 'real-node-host-settings.json');
}

/** Records the kernel settings before the first node on this machine changes them. */
export function recordHostSettings(): void {
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

/** Every mount point at or below `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Whether another stack's real node still runs on this machine (its containerd is alive). */
export function otherNodesRunning(self: string): boolean {
  const stacks = join(cacheDir(), 'stacks');
  if (!existsSync(stacks)) return false;
  return readdirSync(stacks).some((s) => {
    const f = join(stacks, s, 'node', 'containerd.pid');
    if (!existsSync(f) || join(stacks, s, 'node') === self) return false;
    return isAlive(Number(readFileSync(f, 'utf8')));
  });
}

/** Removes the chains the kubelet adds to the host's iptables (KUBE-FIREWALL and the canaries) with their jumps. */
function removeKubeChains(): void {
  for (const tool of ['iptables', 'ip6tables']) {
    const { chains, jumps } = kubeletChains(spawnSync(`${tool}-save`, [], { encoding: 'utf8' }).stdout ?? '');
    for (const [table, rule] of jumps) tryRun(tool, ['-t', table, '-D', ...rule.split(' ')]);
    for (const [table, chain] of chains) if (tryRun(tool, ['-t', table, '-F', chain])) tryRun(tool, ['-t', table, '-X', chain]);
  }
  const ruleset = spawnSync('nft', ['-j', 'list', 'ruleset'], { encoding: 'utf8' });
  if (ruleset.status === 0) for (const [family, table] of emptyIptablesTables(ruleset.stdout)) tryRun('nft', ['delete', 'table', family, table]);
}

/** The kubelet's links in /var/log/containers (a fixed path) that lead into this node's pod logs. */
export function removeLogLinks(dir: string): void {
  const links = '/var/log/containers';
  if (!existsSync(links)) return;
  for (const l of readdirSync(links)) {
    const target = lstatSync(join(links, l)).isSymbolicLink() ? readlinkSync(join(links, l)) : '';
    if (target.startsWith(`${dir}/`)) rmSync(join(links, l), { force: true });
  }
}

/** The host-wide leftovers of real nodes, removed when the last one on this machine stops; kernel settings restored. */
export function cleanHost(): void {
  removeKubeChains();
  for (const p of ['/run/containerd/s', '/run/containerd/runc/k8s.io', '/var/lib/cni/results', '/var/lib/kubelet/device-plugins']) rmSync(p, { recursive: true, force: true });
  // Their parents too, when nothing else is in them (no other containerd or kubelet on this machine uses them).
  for (const d of ['/run/containerd/runc', '/run/containerd', '/var/lib/cni', '/var/lib/kubelet', '/var/log/containers']) if (existsSync(d) && readdirSync(d).length === 0) rmdirSync(d);
  for (const ns of existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith('cni-')) : []) {
    tryRun('umount', [join('/run/netns', ns)]);
    rmSync(join('/run/netns', ns), { force: true });
  }
  // `ip netns add` makes /run/netns a mount point of its own.
  if (existsSync('/run/netns') && readdirSync('/run/netns').length === 0) {
    tryRun('umount', ['/run/netns']);
    rmSync('/run/netns', { recursive: true, force: true });
  }
  restoreHostSettings();
}

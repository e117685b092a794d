import { readdirSync, readFileSync } from 'node:fs';

// CPU time of processes from /proc (Linux): what a request costs each process of a benchmark, read before and after
// a measured phase. Clock ticks are 100 per second on Linux (USER_HZ), whatever the kernel's HZ.
const TICK_MS = 10;

/** user + system CPU of one process (exited or unreadable: 0), in ms. */
function cpuMsOf(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime is the
    // 12th, stime the 13th of them.
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(rest[11]) + Number(rest[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** A process and all its descendants alive now (Postgres: the postmaster and its backends). */
export function processTree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      parent.set(Number(d), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parent) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

/**
 * Starts counting the CPU of named process groups; `stop()` returns each group's CPU ms spent since. Groups given
 * as a function are re-listed at stop, so processes started meanwhile (Postgres backends) count too; a process that
 * exited meanwhile loses its share, so keep connections open across the phase.
 */
export function cpuMeter(groups: Readonly<Record<string, () => number[]>>): { stop: () => Record<string, number> } {
  const start = new Map<number, number>();
  for (const list of Object.values(groups)) for (const pid of list()) start.set(pid, cpuMsOf(pid));
  return {
    stop: () => Object.fromEntries(Object.entries(groups).map(([name, list]) => [name, list().reduce((sum, pid) => sum + cpuMsOf(pid) - (start.get(pid) ?? 0), 0)])),
  };
}

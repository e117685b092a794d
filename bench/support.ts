import { readFileSync } from 'node:fs';
import { connectBus, type Bus } from '@codex-k8s/bus';
import { BUS_ADMIN } from '@codex-k8s/contracts';
import { createLogger } from '@codex-k8s/runtime';
import { startStack, stopStack, type StackOptions, type StackState } from '@codex-k8s/stack';

// What every benchmark in bench/ does the same way: its own stack (removed when the benchmark is interrupted), the
// bus as bus-admin, medians, percentiles and memory figures read from /proc.

/** Starts the benchmark's own stack; an interrupted benchmark (Ctrl-C, SIGTERM, SIGHUP) removes it before exiting. */
export async function startBenchStack(name: string, opts: Omit<StackOptions, 'name' | 'log'> = {}): Promise<StackState> {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void stopStack(name, { purge: true }).then(() => process.exit(130), () => process.exit(130)));
  return startStack({ name, ...opts, log: (l) => console.error(`   ${l}`) });
}

/** The bus as bus-admin on the benchmark's own stream and subject root, creating the streams (audit-writer may not run yet). */
export async function connectBenchAdmin(env: Readonly<Record<string, string>>, bus: { BUS_STREAM: string; BUS_SUBJECT_ROOT: string }): Promise<Bus> {
  return connectBus({
    url: env.NATS_URL ?? '',
    name: BUS_ADMIN,
    ...(env.NATS_NKEY_SEED_FILE ? { nkeySeedFile: env.NATS_NKEY_SEED_FILE } : {}),
    stream: bus.BUS_STREAM,
    subjectRoot: bus.BUS_SUBJECT_ROOT,
    manageStreams: true,
    log: createLogger({ name: 'bench', level: 'warn' }),
  });
}

export const median = (xs: readonly number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** The p-th percentile of an ascending list (NaN when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** A process's resident memory now (VmRSS) or at its peak (VmHWM), in MB; NaN when unreadable. */
export function memoryMb(pid: number | undefined, which: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const m = new RegExp(`${which}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

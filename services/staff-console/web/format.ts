import { signal } from '@preact/signals';
import type { RunStatusName, RunSummary } from './types.js';

/** The clock relative times and live durations read (ticks every 5 s). */
export const now = signal(Date.now());
export const startClock = (): void => void setInterval(() => (now.value = Date.now()), 5_000);

export const isLive = (status: RunStatusName): boolean => status === 'pending' || status === 'running';

export const shortId = (id: string): string => id.slice(0, 8);

export function absTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

const UNITS: readonly [number, string][] = [
  [86_400, 'd'],
  [3_600, 'h'],
  [60, 'min'],
  [1, 's'],
];

/** "5 min ago", "in 2 h", "just now". */
export function relTime(iso: string, at: number): string {
  const s = Math.round((at - new Date(iso).getTime()) / 1000);
  if (Math.abs(s) < 5) return 'just now';
  const [size, unit] = UNITS.find(([size]) => Math.abs(s) >= size) ?? UNITS[3]!;
  const n = Math.floor(Math.abs(s) / size);
  return s > 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

/** "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min". */
export function duration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1_000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const pad = (n: number): string => String(Math.floor(n)).padStart(2, '0');
  if (s < 3_600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3_600)} h ${pad((s % 3_600) / 60)} min`;
}

/** How long a run has taken (so far, when it is live); null before it started. */
export function runDuration(run: Pick<RunSummary, 'created_at' | 'started_at' | 'finished_at'>, at: number): number | null {
  const start = run.started_at ?? (run.finished_at ? run.created_at : null);
  if (!start) return null;
  return (run.finished_at ? new Date(run.finished_at).getTime() : at) - new Date(start).getTime();
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

export const pretty = (value: unknown): string => JSON.stringify(value, null, 2) ?? String(value);

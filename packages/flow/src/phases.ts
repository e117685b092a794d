import { histogram } from '@codex-k8s/runtime';

/** The phases of a run an operator watches: its namespace (or slot) prepared, its Job started, its end. */
export type RunPhase = 'namespace_prepared' | 'started' | 'finished';

const phaseSeconds = histogram(
  'codexk8s_run_phase_seconds',
  'Seconds from a run\'s creation (its webhook planned) until it reached the phase; the _count is the runs that reached it.',
  ['phase'],
  [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
);

/** Records that a run reached `phase` now, counted from when its row was created. Call once per run and phase (the step that won it). */
export function observeRunPhase(phase: RunPhase, createdAt: Date | string, now: Date = new Date()): void {
  phaseSeconds.observe({ phase }, Math.max(0, (now.getTime() - new Date(createdAt).getTime()) / 1000));
}

import { RunFailedV1, RunJobNotFoundV1, RunSucceededV1, type EventDefinition } from '@codex-k8s/contracts';
import type { AgentRunRow, RunOutcome } from '@codex-k8s/db';
import type { JobVerdict } from '@codex-k8s/kube';

/** How a run ends: the terminal event, the row's final status, and why. */
export interface Terminal {
  readonly def: EventDefinition;
  readonly status: 'succeeded' | 'failed';
  readonly reason: string | null;
  readonly error: string | null;
  /** The agent container's exit code, null when it never ran to an end. */
  readonly exitCode: number | null;
}

/**
 * How long a claimed finish may stay unsettled (claimed, its terminal event maybe not yet published) before another
 * evaluation settles it: far longer than a publish and a log read take, so a live winner (another replica) is not
 * doubled, short enough that a crash between claim and publish ends the run within a minute of the restart.
 */
export const CLAIM_GRACE_MS = 30_000;

/** The terminal a Job's verdict (and its agent container's exit code) calls for, or undefined while it still runs. Pure. */
export function terminalOf(v: JobVerdict | 'not_found', exitCode: number | null = null): Terminal | undefined {
  if (v === 'not_found') return { def: RunJobNotFoundV1, status: 'failed', reason: 'kubernetes job not found', error: null, exitCode: null };
  if (v.state === 'succeeded') return { def: RunSucceededV1, status: 'succeeded', reason: null, error: null, exitCode };
  if (v.state === 'failed') return { def: RunFailedV1, status: 'failed', reason: v.reason, error: v.error, exitCode };
  return undefined;
}

/** The outcome a claim records: everything needed to publish the terminal event again after a crash. Pure. */
export function outcomeOf(t: Terminal): RunOutcome {
  return { event_type: t.def.type, reason: t.reason, error: t.error, exit_code: t.exitCode };
}

const BY_TYPE: readonly EventDefinition[] = [RunSucceededV1, RunFailedV1, RunJobNotFoundV1];

/** The terminal recorded by a claim (the inverse of outcomeOf), or undefined for an outcome this service never writes. Pure. */
export function terminalOfOutcome(o: RunOutcome): Terminal | undefined {
  const def = BY_TYPE.find((d) => d.type === o.event_type);
  if (!def) return undefined;
  return { def, status: def === RunSucceededV1 ? 'succeeded' : 'failed', reason: o.reason, error: o.error, exitCode: o.exit_code ?? null };
}

/**
 * What one evaluation of a run does. Pure.
 * - `none`: not a running run with a Job (pending, ended, unknown).
 * - `observe`: running and unclaimed: read the Job; a terminal verdict is then claimed.
 * - `settle`: claimed long enough ago that its claimer is gone (crash or error between claim and publish):
 *   publish the recorded terminal event again (same deterministic id) and end the row.
 * - `wait`: claimed just now; its claimer is settling it.
 */
export function nextStep(run: AgentRunRow | undefined, now: Date, graceMs: number = CLAIM_GRACE_MS): 'none' | 'observe' | 'settle' | 'wait' {
  if (!run || run.status !== 'running' || !run.job_name || !run.job_namespace || !run.project_id || !run.runtime_mode) return 'none';
  if (!run.outcome) return 'observe';
  return now.getTime() - new Date(run.updated_at).getTime() >= graceMs ? 'settle' : 'wait';
}

/** The agent's own `finished` report (agent-gateway stored it), as weighed against the Job. */
export interface AgentFinish {
  readonly exit_code: number | null;
  readonly summary: string | null;
}

/** The last `n` non-empty lines of a log, each cut to 300 characters. Pure. */
export function lastLines(log: string, n = 20): string {
  return log
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(-n)
    .map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l))
    .join('\n');
}

/**
 * The run's result from both witnesses: the Job's terminal and the agent's own `finished` report. Pure.
 * - The agent reported failure while the Job succeeded: run.failed, reason `agent_reported_failure`.
 * - The agent never reported while one was expected (a runner was configured): a succeeded Job ends in run.failed,
 *   reason `agent_not_reported` (its results never reached the platform); a failed Job keeps its reason and its
 *   error says the agent never reported, with the last lines of its log (`log`).
 * - A failed Job is never turned into a success by the agent's word; the error then says what the agent claimed.
 * The exit code is the container's, else the one the agent reported.
 */
export function weighAgentReport(t: Terminal, report: AgentFinish | undefined, o: { expected: boolean; log: string }): Terminal {
  if (t.def === RunJobNotFoundV1) return t;
  const exitCode = t.exitCode ?? report?.exit_code ?? null;
  const tail = lastLines(o.log);
  const withTail = (text: string): string => (tail ? `${text}; last log lines:\n${tail}` : text);
  if (t.status === 'succeeded') {
    if (report && report.exit_code !== 0) {
      const error = `the Job succeeded but the agent reported exit code ${report.exit_code}${report.summary ? `: ${report.summary.slice(0, 1_000)}` : ''}`;
      return { def: RunFailedV1, status: 'failed', reason: 'agent_reported_failure', error, exitCode };
    }
    if (!report && o.expected) return { def: RunFailedV1, status: 'failed', reason: 'agent_not_reported', error: withTail('the Job succeeded but the agent never reported its end'), exitCode };
    return { ...t, exitCode };
  }
  const jobError = t.error ? `${t.error}; ` : '';
  if (!report && o.expected) return { ...t, error: withTail(`${jobError}the agent never reported its end`), exitCode };
  if (report?.exit_code === 0) return { ...t, error: `${jobError}the agent reported success (exit code 0) but the Job failed`, exitCode };
  return { ...t, exitCode };
}

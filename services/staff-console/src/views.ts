import type { ActionAvailability, DeployTaskView, RunPhase, RunSummary } from '@codex-k8s/contracts';
import type { RuntimeDeployTaskRow, StaffRunRow } from '@codex-k8s/db';
import type { z } from 'zod';

const iso = (d: Date | string | null | undefined): string | null => (d === null || d === undefined ? null : new Date(d).toISOString());
const str = (v: unknown, max = 2_000): string | null => (typeof v === 'string' && v !== '' ? v.slice(0, max) : null);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Only http(s) links are handed to a browser (an issue URL comes from a webhook). Pure. */
export function safeHttpUrl(v: unknown): string | null {
  const s = str(v);
  if (!s) return null;
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : null;
  } catch {
    return null;
  }
}

/** A run row as the runs list shows it. Pure. */
export function runSummaryOf(r: StaffRunRow): RunSummary {
  const payload = obj(r.run_payload);
  const issue = obj(payload.issue);
  const trigger = obj(payload.trigger);
  const outcome = r.outcome ? { event_type: r.outcome.event_type, reason: r.outcome.reason ?? null, error: r.outcome.error ?? null, exit_code: r.outcome.exit_code ?? null } : null;
  return {
    id: r.id,
    correlation_id: r.correlation_id,
    project: { id: r.project_id as string, slug: r.project_slug, name: r.project_name },
    status: r.status,
    trigger_kind: str(trigger.kind, 100),
    trigger_label: r.trigger_label,
    issue_number: r.issue_number,
    issue_url: safeHttpUrl(issue.html_url),
    issue_title: str(issue.title, 500),
    repository_full_name: r.repository_full_name,
    runtime_mode: r.runtime_mode,
    namespace: r.namespace,
    slot_no: r.slot_no,
    job_name: r.job_name,
    job_namespace: r.job_namespace,
    created_at: iso(r.created_at) as string,
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
    // Only the end's own fields: an outcome may carry more (e.g. who canceled), the summary shows these.
    outcome: outcome && outcome.event_type ? outcome : null,
  };
}

/** The sender of the label, from the run's webhook payload. Pure. */
export function senderOf(r: StaffRunRow): string | null {
  return str(obj(obj(r.run_payload).sender).login, 100);
}

/** The phases of a run's story and the event types that mark each (the first of them counts). */
export const PHASES: readonly { readonly phase: string; readonly types: readonly string[] }[] = [
  { phase: 'received', types: ['webhook.received'] },
  { phase: 'planned', types: ['run.created'] },
  { phase: 'namespace prepared', types: ['run.namespace.prepared'] },
  { phase: 'slot leased', types: ['slot.leased'] },
  { phase: 'slot deployed', types: ['slot.deployed'] },
  { phase: 'slot ready (TLS)', types: ['slot.ready'] },
  { phase: 'job started', types: ['run.started'] },
  { phase: 'agent started', types: ['run.agent.started'] },
  { phase: 'agent ready', types: ['run.agent.ready'] },
  { phase: 'agent finished', types: ['run.agent.finished'] },
  { phase: 'ended', types: ['run.succeeded', 'run.failed', 'run.failed.job_not_found', 'run.failed.launch_error', 'run.canceled'] },
  { phase: 'cleaned up', types: ['run.namespace.cleaned', 'run.namespace.delete_by_system', 'run.namespace.delete_by_staff', 'slot.released'] },
];

export const PHASE_EVENT_TYPES: readonly string[] = PHASES.flatMap((p) => p.types);

/** The timeline from the first event of each phase type: reached phases in order, each with the time since the previous one. Pure. */
export function phasesOf(firsts: readonly { event_type: string; occurred_at: Date }[]): RunPhase[] {
  const at = new Map(firsts.map((f) => [f.event_type, new Date(f.occurred_at)]));
  const out: RunPhase[] = [];
  let prev: Date | undefined;
  for (const p of PHASES) {
    const hits = p.types.map((t) => ({ t, d: at.get(t) })).filter((x): x is { t: string; d: Date } => x.d !== undefined);
    const first = hits.sort((a, b) => a.d.getTime() - b.d.getTime())[0];
    if (!first) continue;
    out.push({ phase: p.phase, event_type: first.t, at: first.d.toISOString(), duration_ms: prev ? Math.max(0, first.d.getTime() - prev.getTime()) : null });
    prev = first.d;
  }
  return out;
}

/** A deploy task as the API shows it. Pure. */
export function deployTaskOf(t: RuntimeDeployTaskRow, withLogs: boolean): DeployTaskView {
  return {
    run_id: t.run_id,
    namespace: t.namespace,
    slot_no: t.slot_no,
    repository_full_name: t.repository_full_name,
    build_ref: t.build_ref,
    commit_sha: t.commit_sha,
    host: t.host,
    public_url: t.host ? `https://${t.host}` : null,
    fingerprint: t.fingerprint,
    status: t.status,
    attempts: t.attempts,
    last_error: t.last_error,
    units_done: t.units_done,
    created_at: iso(t.created_at) as string,
    started_at: iso(t.started_at),
    finished_at: iso(t.finished_at),
    logs: withLogs ? (Array.isArray(t.logs_json) ? t.logs_json : []) : [],
  };
}

type Availability = z.infer<typeof ActionAvailability>;
const yes: Availability = { allowed: true, reason: null };
const no = (reason: string): Availability => ({ allowed: false, reason });

/** Whether a live run may be canceled by this caller now, and why not. Pure. */
export function cancelAvailability(r: Pick<StaffRunRow, 'status'>, mayAct: boolean): Availability {
  if (!mayAct) return no('only project admins may act on runs');
  if (r.status !== 'pending' && r.status !== 'running') return no(`the run has ended (${r.status})`);
  return yes;
}

/**
 * Whether a run's namespace may be deleted by this caller now, and why not: only an ended full-env run's own
 * namespace (a slot's namespace is shared by the slot's runs; a live run is canceled first). Pure.
 */
export function deleteNamespaceAvailability(r: Pick<StaffRunRow, 'status' | 'runtime_mode' | 'namespace' | 'runtime_deploy'>, deleted: boolean, mayAct: boolean): Availability {
  if (!mayAct) return no('only project admins may act on runs');
  if (r.runtime_mode !== 'full-env' || !r.namespace) return no('a code-only run has no namespace');
  if (r.runtime_deploy) return no("the namespace is the slot's, shared by its runs: it stays for the next run");
  if (r.status === 'pending' || r.status === 'running') return no(`the run is ${r.status}: cancel it first`);
  if (deleted) return no('the namespace is already deleted');
  return yes;
}

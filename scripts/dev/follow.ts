import { lastFlowEventId, listFlowEventsAfter, type Db, type FlowEventRow } from '@codex-k8s/db';

/** What the agent said in one of its events (status line, artifact, pull request, end), for the dev log. Pure. */
export function agentNote(type: string, p: Record<string, unknown>): string | undefined {
  const s = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  if (type === 'run.agent.status_reported' || ((type === 'run.agent.started' || type === 'run.agent.ready') && p.message)) return `"${s(p.message).slice(0, 160)}"`;
  if (type === 'run.artifact.added') return `${s(p.name)} (${s(p.kind)}${p.size_bytes ? `, ${s(p.size_bytes)} bytes` : ''}${p.url ? `, ${s(p.url)}` : ''})`;
  if (type === 'run.pr.created') return `#${s(p.number)} ${s(p.url)} (${s(p.branch)})`;
  if (type === 'run.agent.finished') return `exit ${s(p.exit_code)}${p.summary ? `: ${s(p.summary).split('\n')[0]?.slice(0, 160) ?? ''}` : ''}`;
  if (type === 'run.agent.log_appended') return `#${s(p.seq)} ${s(p.stream)}, ${s(p.lines)} lines`;
  return undefined;
}

/**
 * The comment github-reporter posted (or, in dry run, would have posted) for an event, as lines to show under it;
 * empty for every other event. Pure.
 */
export function commentLines(r: Pick<FlowEventRow, 'event_type' | 'payload'>): string[] {
  if (r.event_type !== 'run.status.comment.upserted' && r.event_type !== 'webhook.ignored.replied') return [];
  const p = (r.payload ?? {}) as { body?: unknown; dry_run?: unknown; comment_url?: unknown; phase?: unknown };
  if (typeof p.body !== 'string') return [];
  const where = p.dry_run === true ? 'dry run (no GitHub App configured): would post' : `posted ${typeof p.comment_url === 'string' ? p.comment_url : ''}`;
  return [`${where}${typeof p.phase === 'string' ? ` (phase ${p.phase})` : ''}:`, ...p.body.split('\n').map((l) => `│ ${l}`)];
}

/** One line per flow event: time, type, actor, entity and the correlation id. */
export function formatFlowEvent(r: FlowEventRow): string {
  const t = new Date(r.occurred_at).toISOString().slice(11, 23);
  const p = (r.payload ?? {}) as { public_url?: unknown; unit?: unknown; reason?: unknown };
  const said = agentNote(r.event_type, p as Record<string, unknown>);
  const extra = said
    ? `  ${said}`
    : typeof p.public_url === 'string' && r.event_type === 'slot.ready'
      ? `  -> ${p.public_url}`
      : typeof p.unit === 'string'
        ? `  (${p.unit})`
        : typeof p.reason === 'string'
          ? `  (${p.reason})`
          : '';
  return `${t}  ${r.event_type.padEnd(28)} ${String(r.actor_type === 'agent' ? 'agent' : (r.actor_id ?? r.actor_type)).padEnd(22)} ${r.subject}  [${r.correlation_id}]${extra}`;
}

export interface Follower {
  /** Resolves when `stop()` is called, or in settle mode once the awaited correlation has gone quiet. */
  readonly done: Promise<void>;
  stop(): void;
}

/** github-reporter's answers on GitHub: they follow the run's steps and say nothing about whether more are to come. */
const OBSERVER_EVENTS = new Set(['run.status.comment.upserted', 'webhook.ignored.replied', 'webhook.redelivery_requested']);

/**
 * Events after which a flow still has a step to come (a run ending with a namespace still has its cleanup);
 * undefined for the reporter's events, which leave the answer as it was.
 */
export function flowInProgress(r: Pick<FlowEventRow, 'event_type' | 'payload'>): boolean | undefined {
  if (OBSERVER_EVENTS.has(r.event_type)) return undefined;
  if (['webhook.received', 'run.created', 'run.namespace.prepared', 'run.started'].includes(r.event_type)) return true;
  // What the agent reports, and its token's issue: the run is still on.
  if (/^run\.(agent\.|artifact\.|pr\.)/.test(r.event_type) && r.event_type !== 'run.agent.token.revoked') return true;
  if (r.event_type.startsWith('slot.') && r.event_type !== 'slot.released' && r.event_type !== 'slot.tls.failed') return true;
  const ns = (r.payload as { namespace?: unknown } | null)?.namespace;
  return ['run.succeeded', 'run.failed', 'run.failed.job_not_found', 'run.failed.launch_error'].includes(r.event_type) && typeof ns === 'string';
}

/**
 * Prints every flow_events row written from now on as it lands (polling by row id). With `settleFor`, it
 * finishes once the flow of `correlationId` has reached a final event and nothing more arrived for `settleMs`
 * (a flow that stops on an in-progress event is given 15 s more before it counts as settled).
 */
export async function followFlowEvents(
  db: Db,
  print: (line: string) => void,
  opts: { settleFor?: { correlationId: string; settleMs: number; timeoutMs: number } } = {},
): Promise<Follower> {
  let cursor = await lastFlowEventId(db);
  let stopped = false;
  let lastSeen = 0;
  let inProgress = true;
  const started = Date.now();
  const tick = async (): Promise<'stop' | 'go'> => {
    const rows = await listFlowEventsAfter(db, cursor).catch(() => []);
    for (const r of rows) {
      print(formatFlowEvent(r));
      for (const l of commentLines(r)) print(`    ${l}`);
      cursor = r.id;
      if (r.correlation_id === opts.settleFor?.correlationId) {
        lastSeen = Date.now();
        inProgress = flowInProgress(r) ?? inProgress;
      }
    }
    const s = opts.settleFor;
    if (!s) return 'go';
    if (lastSeen && Date.now() - lastSeen > (inProgress ? Math.max(s.settleMs, 15_000) : s.settleMs)) return 'stop';
    if (Date.now() - started > s.timeoutMs) throw new Error(`no settled flow for ${s.correlationId} after ${s.timeoutMs} ms`);
    return 'go';
  };
  const done = (async () => {
    while (!stopped) {
      if ((await tick()) === 'stop') return;
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return { done, stop: () => void (stopped = true) };
}

import { lastFlowEventId, listFlowEventsAfter, type Db, type FlowEventRow } from '@codex-k8s/db';

/** One line per flow event: time, type, actor, entity and the correlation id. */
export function formatFlowEvent(r: FlowEventRow): string {
  const t = new Date(r.occurred_at).toISOString().slice(11, 23);
  const p = (r.payload ?? {}) as { public_url?: unknown; unit?: unknown; reason?: unknown };
  const extra = typeof p.public_url === 'string' && r.event_type === 'slot.ready' ? `  -> ${p.public_url}` : typeof p.unit === 'string' ? `  (${p.unit})` : typeof p.reason === 'string' ? `  (${p.reason})` : '';
  return `${t}  ${r.event_type.padEnd(28)} ${String(r.actor_id ?? r.actor_type).padEnd(22)} ${r.subject}  [${r.correlation_id}]${extra}`;
}

export interface Follower {
  /** Resolves when `stop()` is called, or in settle mode once the awaited correlation has gone quiet. */
  readonly done: Promise<void>;
  stop(): void;
}

/** Events after which a flow still has a step to come (a run ending with a namespace still has its cleanup). */
export function flowInProgress(r: Pick<FlowEventRow, 'event_type' | 'payload'>): boolean {
  if (['webhook.received', 'run.created', 'run.namespace.prepared', 'run.started'].includes(r.event_type)) return true;
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
      cursor = r.id;
      if (r.correlation_id === opts.settleFor?.correlationId) {
        lastSeen = Date.now();
        inProgress = flowInProgress(r);
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

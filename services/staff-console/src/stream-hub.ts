import type { EventSummary, RunSummary } from '@codex-k8s/contracts';
import { eventHeadsAfter, lastFlowEventId, staffRunsByCorrelation, type Db, type EventHead } from '@codex-k8s/db';
import { errorMessage, startPeriodic, type Logger, type Periodic } from '@codex-k8s/runtime';
import { canSee, type Access } from './access.js';
import { eventSummaryOf } from './events.js';
import { StreamWindow } from './stream-window.js';
import { runSummaryOf } from './views.js';

/** One open stream: what it watches and how to write to it. */
export interface Subscriber {
  readonly access: Access;
  /** A run page: its events too. */
  readonly correlationId: string | null;
  /** A project filter of the runs list. */
  readonly projectId: string | null;
  send(event: 'run' | 'flow', id: string, data: RunSummary | EventSummary): void;
}

/** Whether a stream gets a run's changes: the caller may see its project, and it is the page's run or the list's project. Pure. */
export function wantsRun(s: Pick<Subscriber, 'access' | 'correlationId' | 'projectId'>, r: { project_id: string | null; correlation_id: string }): boolean {
  if (!canSee(s.access, r.project_id)) return false;
  if (s.projectId && s.projectId !== r.project_id) return false;
  return !s.correlationId || s.correlationId === r.correlation_id;
}

const PAGE = 1_000;
const MAX_PAGES = 10;

/**
 * The live stream's one reader per process: while anyone listens it polls flow_events for new rows (by id, with a
 * re-read window for late commits) and fans them out: a run page gets its run's events, every stream gets the runs
 * that changed, when the caller may see them. Postgres is the source: the bus is never read for the console.
 */
export class StreamHub {
  private readonly subs = new Set<Subscriber>();
  private window: StreamWindow | undefined;
  private readonly timer: Periodic;

  constructor(private readonly db: Db, log: Logger, pollMs: number) {
    this.timer = startPeriodic(pollMs, () => this.poll(), (err) => log.warn({ err: errorMessage(err) }, 'live stream poll failed'));
  }

  get size(): number {
    return this.subs.size;
  }

  /** Adds a stream, from the newest event recorded now on (everything after it reaches it); returns its removal. */
  async add(s: Subscriber): Promise<() => void> {
    if (!this.window) {
      const start = await lastFlowEventId(this.db);
      this.window ??= new StreamWindow(start);
    }
    this.subs.add(s);
    return () => {
      this.subs.delete(s);
    };
  }

  private async poll(): Promise<void> {
    if (this.subs.size === 0) {
      this.window = undefined;
      return;
    }
    if (!this.window) return;
    const rows: EventHead[] = [];
    let from = this.window.from;
    for (let i = 0; i < MAX_PAGES; i++) {
      const page = await eventHeadsAfter(this.db, from, PAGE);
      rows.push(...page);
      if (page.length < PAGE) break;
      from = String((page[page.length - 1] as EventHead).id);
    }
    const fresh = this.window.take(rows);
    if (fresh.length > 0) await this.fanOut(fresh);
  }

  private async fanOut(events: readonly EventHead[]): Promise<void> {
    for (const s of this.subs) {
      if (!s.correlationId) continue;
      for (const e of events) if (e.correlation_id === s.correlationId) s.send('flow', String(e.id), eventSummaryOf(e));
    }
    const lastOf = new Map<string, string>();
    for (const e of events) lastOf.set(e.correlation_id, String(e.id));
    const runs = await staffRunsByCorrelation(this.db, [...lastOf.keys()]);
    for (const r of runs) {
      const summary = runSummaryOf(r);
      const id = lastOf.get(r.correlation_id) as string;
      for (const s of this.subs) if (wantsRun(s, r)) s.send('run', id, summary);
    }
  }

  /** Stops polling (the streams themselves are ended by their owner). */
  async close(): Promise<void> {
    this.subs.clear();
    await this.timer.close();
  }
}
